//! Unit tests of [`super`]: the streaming pass against the checks on the value.

use super::super::{check_layout, check_roster_json};
use super::*;
use serde_json::{json, Value};

fn small() -> Limits {
    Limits {
        max_features: 5,
        max_vertices: 6,
        max_total_vertices: 14,
        max_roster_rows: 3,
        ..Limits::default()
    }
}

fn square(id: Option<&str>, vertices: usize) -> Value {
    let ring: Vec<Value> = (0..vertices).map(|i| json!([i, i * 2])).collect();
    let properties = match id {
        Some(id) => json!({"kind": "garden_plot", "id": id}),
        None => json!({"kind": "garden_plot"}),
    };
    json!({"type": "Feature", "properties": properties,
           "geometry": {"type": "Polygon", "coordinates": [ring]}})
}

fn layout(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}

/// What the checks on the parsed value say of the limits this pass covers.
fn on_the_value(body: &Value, limits: &Limits) -> Vec<Problem> {
    let lay = match body.get("layout") {
        Some(l) if body.get("type").is_none() => l,
        _ => body,
    };
    let mut problems: Vec<Problem> = check_layout(lay, limits)
        .into_iter()
        .filter(|p| p.rule != crate::model::Rule::LimitIdLength)
        .collect();
    for rows in [body.get("households"), body.get("upsert")]
        .into_iter()
        .flatten()
    {
        problems.extend(check_roster_json(rows, limits));
    }
    if body.is_array() {
        problems.extend(check_roster_json(body, limits));
    }
    problems
}

#[test]
fn the_streaming_pass_finds_what_the_checks_on_the_value_find() {
    let limits = small();
    let rows = |n: usize| -> Value {
        Value::Array(
            (0..n)
                .map(|i| json!({"id": format!("h{i}"), "building": "B1", "unit": "1"}))
                .collect(),
        )
    };
    let collection = json!({"type": "GeometryCollection", "geometries": [
        {"type": "Point", "coordinates": [1, 2]},
        {"type": "MultiPolygon", "coordinates": [[[[0, 0], [1, 0], [1, 1], [0, 0]]], [[[5, 5], [6, 5], [6, 6], [5, 5]]]]}
    ]});
    let bodies = [
        layout(vec![square(Some("A"), 4), square(Some("B"), 4)]),
        layout((0..6).map(|i| square(Some(&format!("F{i}")), 4)).collect()),
        layout(vec![
            square(Some("BIG"), 7),
            square(None, 9),
            square(Some("ok"), 3),
        ]),
        layout(vec![
            square(Some("A"), 5),
            square(Some("B"), 5),
            square(Some("C"), 5),
        ]),
        layout(vec![
            json!({"type": "Feature", "properties": {"id": "GC"}, "geometry": collection}),
        ]),
        json!({"layout": layout(vec![square(Some("A"), 5); 3]), "households": rows(4)}),
        json!({"layout": layout(vec![square(Some("A"), 2)]), "households": {"households": rows(5)}}),
        json!({"upsert": rows(4), "remove": ["x"]}),
        rows(3),
        rows(4),
        json!({"type": "FeatureCollection", "features": "none", "layout": 3}),
    ];
    for (k, body) in bodies.iter().enumerate() {
        let bytes = serde_json::to_vec(body).unwrap();
        assert_eq!(
            check_json_sizes(&bytes, &limits),
            on_the_value(body, &limits),
            "body {k}: {body}"
        );
    }
    // The cases are not all quiet: most break a limit.
    let broken = bodies
        .iter()
        .filter(|b| !check_json_sizes(&serde_json::to_vec(b).unwrap(), &limits).is_empty())
        .count();
    assert_eq!(broken, 8);
}

#[test]
fn a_body_that_is_not_json_is_left_to_the_parser() {
    assert!(check_json_sizes(b"{\"features\": [", &small()).is_empty());
    assert!(check_json_sizes(b"", &small()).is_empty());
}

#[test]
fn past_the_feature_limit_the_rest_is_only_counted() {
    let body = layout((0..40).map(|_| square(Some("X"), 100)).collect());
    let problems = check_json_sizes(&serde_json::to_vec(&body).unwrap(), &small());
    assert_eq!(problems.len(), 1);
    assert!(
        problems[0].message.contains("has 40 features"),
        "{problems:?}"
    );
}

/// JSON built from the words the pass looks for, nested at random.
fn shaped_json() -> impl proptest::strategy::Strategy<Value = Value> {
    use proptest::prelude::*;
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        (-5i64..5).prop_map(|n| json!(n)),
        (-5.0f64..5.0).prop_map(|x| json!(x)),
        prop_oneof![Just("A"), Just("B"), Just("a-very-long-feature-id")].prop_map(|s| json!(s)),
    ];
    leaf.prop_recursive(5, 96, 8, |inner| {
        let key = prop_oneof![
            Just("type"),
            Just("features"),
            Just("layout"),
            Just("households"),
            Just("upsert"),
            Just("properties"),
            Just("geometry"),
            Just("coordinates"),
            Just("geometries"),
            Just("id"),
            Just("other"),
        ];
        // Features with coordinates of any nesting (and stray values in them).
        let position = prop_oneof![
            4 => Just(json!([1.0, 2.0])),
            1 => Just(json!([])),
            1 => Just(json!("x")),
        ];
        let coordinates = prop_oneof![
            proptest::collection::vec(position.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec(proptest::collection::vec(position, 0..4), 0..3)
                .prop_map(|rings| json!(rings)),
        ];
        let feature = (inner.clone(), coordinates, any::<bool>()).prop_map(|(id, coordinates, collection)| {
            let geometry = if collection {
                json!({"type": "GeometryCollection", "geometries": [{"coordinates": coordinates}]})
            } else {
                json!({"type": "Polygon", "coordinates": coordinates})
            };
            json!({"type": "Feature", "properties": {"id": id}, "geometry": geometry})
        });
        prop_oneof![
            proptest::collection::vec(feature, 0..4)
                .prop_map(|features| json!({"type": "FeatureCollection", "features": features})),
            proptest::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            proptest::collection::vec((key, inner), 0..6).prop_map(|entries| {
                Value::Object(
                    entries
                        .into_iter()
                        .map(|(k, v)| (k.to_string(), v))
                        .collect(),
                )
            }),
        ]
    })
}

proptest::proptest! {
    #[test]
    fn on_generated_documents_the_pass_agrees_with_the_checks_on_the_value(body in shaped_json()) {
        let limits = Limits { max_features: 2, max_vertices: 2, max_total_vertices: 3, max_roster_rows: 2, ..Limits::default() };
        let bytes = serde_json::to_vec(&body).unwrap();
        proptest::prop_assert_eq!(check_json_sizes(&bytes, &limits), on_the_value(&body, &limits), "{}", body);
    }

    #[test]
    fn any_bytes_are_scanned_without_a_panic(bytes in proptest::collection::vec(proptest::prelude::any::<u8>(), 0..256)) {
        let _ = check_json_sizes(&bytes, &small());
    }
}
