//! `--db` values that name a PostgreSQL database, and their form fit for logs.

/// Whether a `--db` value is a PostgreSQL URL.
pub fn is_url(location: &str) -> bool {
    let lower = location.trim_start().to_ascii_lowercase();
    lower.starts_with("postgres://") || lower.starts_with("postgresql://")
}

/// The URL with any password replaced by `***` (for logs and messages).
pub fn redact(url: &str) -> String {
    let Some(scheme_end) = url.find("://") else {
        return url.to_string();
    };
    let rest = &url[scheme_end + 3..];
    let authority_end = rest.find(['/', '?']).unwrap_or(rest.len());
    let authority = &rest[..authority_end];
    let mut out = match authority.rfind('@') {
        Some(at) => {
            let userinfo = &authority[..at];
            let user = userinfo.split(':').next().unwrap_or("");
            let hidden = if userinfo.contains(':') { ":***" } else { "" };
            format!(
                "{}{user}{hidden}{}",
                &url[..scheme_end + 3],
                &authority[at..]
            )
        }
        None => url[..scheme_end + 3 + authority_end].to_string(),
    };
    let tail = &rest[authority_end..];
    // A password may also come as a query parameter.
    let mut first = true;
    for (i, piece) in tail.split(['?', '&']).enumerate() {
        if i == 0 {
            out.push_str(piece);
            continue;
        }
        out.push(if first { '?' } else { '&' });
        first = false;
        if piece.to_ascii_lowercase().starts_with("password=") {
            out.push_str("password=***");
        } else {
            out.push_str(piece);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_postgres_urls_choose_postgres() {
        assert!(is_url("postgres://u@h/db"));
        assert!(is_url("postgresql:///db?host=/tmp"));
        assert!(is_url("PostgreSQL://h/db"));
        assert!(!is_url("allot.db"));
        assert!(!is_url("/var/lib/allot/postgres.db"));
    }

    #[test]
    fn passwords_are_hidden_in_logged_urls() {
        assert_eq!(
            redact("postgres://allot:s3cret@db.local:5432/allot"),
            "postgres://allot:***@db.local:5432/allot"
        );
        assert_eq!(
            redact("postgresql:///allot?host=/run/pg&password=s3cret&user=a"),
            "postgresql:///allot?host=/run/pg&password=***&user=a"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        assert!(!redact("postgres://a:p%40ss@h/db").contains("p%40ss"));
    }
}
