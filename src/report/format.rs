//! The renderings of an allocation a caller can ask for: their names
//! (also the file extensions), media types and download names.

/// A rendering of an allocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Json,
    Csv,
    GeoJson,
    Svg,
    /// An Excel workbook (`report::xlsx`); headers in `?lang=`, else
    /// `Accept-Language`, else English.
    Xlsx,
}

impl Format {
    pub const ALL: [Format; 5] = [
        Format::Json,
        Format::Csv,
        Format::GeoJson,
        Format::Svg,
        Format::Xlsx,
    ];

    /// The name in `?format=`, which is also the file extension.
    pub fn name(self) -> &'static str {
        match self {
            Format::Json => "json",
            Format::Csv => "csv",
            Format::GeoJson => "geojson",
            Format::Svg => "svg",
            Format::Xlsx => "xlsx",
        }
    }

    /// The format of a `?format=` name (any case).
    pub fn from_name(name: &str) -> Option<Format> {
        let name = name.to_ascii_lowercase();
        Format::ALL.into_iter().find(|f| f.name() == name)
    }

    /// The download name of a site's allocation in this format, for the
    /// formats sent as attachments.
    pub fn filename(self, site: &str) -> Option<String> {
        match self {
            Format::Csv => Some(format!("allocation-{site}.csv")),
            Format::Xlsx => Some(format!("allocation-{site}.xlsx")),
            _ => None,
        }
    }

    /// The format a media type names, or a range of them (`*/*`,
    /// `text/*`, …: the first format in it).
    pub fn from_media_range(media: &str) -> Option<Format> {
        match media {
            "application/json" | "application/*" | "*/*" => Some(Format::Json),
            "text/csv" | "text/*" => Some(Format::Csv),
            "application/geo+json" => Some(Format::GeoJson),
            "image/svg+xml" | "image/*" => Some(Format::Svg),
            super::xlsx::XLSX_MEDIA_TYPE => Some(Format::Xlsx),
            _ => None,
        }
    }

    /// The media type it is sent as.
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::Csv => "text/csv; charset=utf-8",
            Format::GeoJson => "application/geo+json",
            Format::Svg => "image/svg+xml",
            Format::Xlsx => super::xlsx::XLSX_MEDIA_TYPE,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_format_is_found_by_its_name_in_any_case_and_nothing_else_is() {
        for f in Format::ALL {
            assert_eq!(Format::from_name(f.name()), Some(f));
            assert_eq!(Format::from_name(&f.name().to_uppercase()), Some(f));
        }
        assert_eq!(Format::from_name("pdf"), None);
    }

    #[test]
    fn only_csv_and_xlsx_are_sent_as_named_downloads() {
        assert_eq!(
            Format::Csv.filename("yx").as_deref(),
            Some("allocation-yx.csv")
        );
        assert_eq!(
            Format::Xlsx.filename("yx").as_deref(),
            Some("allocation-yx.xlsx")
        );
        for f in [Format::Json, Format::GeoJson, Format::Svg] {
            assert_eq!(f.filename("yx"), None);
        }
    }
}
