use super::*;

/// Every parameter of a sample, as it is written in a rendering:
/// strings as they are, numbers as the catalogue prints them.
fn parameters(r: &Reason) -> Vec<String> {
    let mut out = Vec::new();
    fn walk(v: &serde_json::Value, key: &str, out: &mut Vec<String>) {
        match v {
            serde_json::Value::Object(m) => {
                for (k, v) in m {
                    walk(v, k, out)
                }
            }
            serde_json::Value::Array(a) => a.iter().for_each(|v| walk(v, key, out)),
            serde_json::Value::String(s) => {
                // The code and the place are the text itself, not a parameter.
                if key != "code" && key != "place" && key != "class" {
                    out.push(s.clone())
                }
            }
            serde_json::Value::Number(n) => {
                out.push(match n.as_u64() {
                    Some(i) => i.to_string(),
                    None => format!("{:.1}", n.as_f64().unwrap()),
                });
            }
            serde_json::Value::Bool(_) | serde_json::Value::Null => {}
        }
    }
    walk(&serde_json::to_value(r).unwrap(), "", &mut out);
    out
}

#[test]
fn every_code_has_chinese_and_english_text_using_every_parameter() {
    for r in Reason::samples() {
        for lang in Lang::ALL {
            for kind in [ResourceKind::ParkingSpace, ResourceKind::GardenPlot] {
                let text = reason_text(&r, kind, lang);
                assert!(!text.is_empty());
                for p in parameters(&r) {
                    let shown = match lang {
                        Lang::Zh if p == "B3-3" => zh_unit(&p),
                        _ => p.clone(),
                    };
                    // 250.0 is written 250 in a radius.
                    let shown = shown.strip_suffix(".0").unwrap_or(&shown).to_string();
                    assert!(
                        text.contains(&shown),
                        "{} in {lang:?} lacks {shown}: {text}",
                        r.code()
                    );
                }
            }
        }
    }
}

#[test]
fn flags_and_classes_change_the_text() {
    // Parameters that are not printed as such still show: each class,
    // the rotation flag and the turn order read differently.
    for lang in Lang::ALL {
        let texts: std::collections::BTreeSet<String> = Reason::samples()
            .into_iter()
            .flat_map(|r| {
                let mut variants = vec![r.clone()];
                match r {
                    Reason::Priority { drawn, .. } => {
                        for class in [
                            PriorityClass::Accessible,
                            PriorityClass::Elderly,
                            PriorityClass::Ev,
                        ] {
                            variants.push(Reason::Priority {
                                class,
                                drawn: Drawn {
                                    turn: Turn {
                                        turn_order: false,
                                        ..drawn.turn.clone()
                                    },
                                    ..drawn.clone()
                                },
                            });
                        }
                    }
                    Reason::AllTaken {
                        eligible,
                        max_walk_m,
                        unit,
                        taken,
                        lost,
                        ..
                    } => variants.push(Reason::AllTaken {
                        eligible,
                        max_walk_m,
                        unit,
                        taken,
                        rotation: false,
                        lost,
                    }),
                    _ => {}
                }
                variants
            })
            .map(|r| reason_text(&r, ResourceKind::ParkingSpace, lang))
            .collect();
        assert_eq!(texts.len(), Reason::samples().len() + 4, "{lang:?}");
    }
}

#[test]
fn chinese_reasons_carry_no_english_words_and_english_no_chinese() {
    for r in Reason::samples() {
        let mut r = r;
        // The pin's note is the policy's own words, shown as written.
        if let Reason::Pin { note, .. } = &mut r {
            *note = None;
        }
        let zh = reason_text(&r, ResourceKind::ParkingSpace, Lang::Zh);
        for word in [
            "lottery", "nearest", "priority", "rank", "unit", "taken", " m ",
        ] {
            assert!(!zh.contains(word), "{word} in {zh}");
        }
        let en = reason_text(&r, ResourceKind::ParkingSpace, Lang::En);
        assert!(
            !en.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{en}"
        );
    }
}

#[test]
fn the_issue_example_reads_as_an_office_writes_it() {
    let r = Reason::lottery(
        94,
        Place::Distance {
            walk_m: 75.5,
            unit: "B3-3".into(),
        },
    );
    assert_eq!(
        reason_text(&r, ResourceKind::ParkingSpace, Lang::Zh),
        "摇号第94位，距3号楼3单元75.5米"
    );
    assert_eq!(
        reason_text(&r, ResourceKind::ParkingSpace, Lang::En),
        "lottery rank 94; 75.5 m from unit B3-3"
    );
}

#[test]
fn unit_labels_of_other_shapes_stay_as_they_are() {
    assert_eq!(zh_unit("B12-2"), "12号楼2单元");
    assert_eq!(zh_unit("7-1"), "7号楼1单元");
    assert_eq!(zh_unit("North-A"), "North-A");
    assert_eq!(zh_unit("?"), "?");
}
