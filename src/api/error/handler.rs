//! Each handler's failures declared once: `handler_error!` builds the
//! handler's error enum from the shared failures it wraps, and the same
//! declaration is its OpenAPI responses (`utoipa::IntoResponses`).

use super::{
    AuthError, BadRequest, BodyError, Internal, Invalid, NotAcceptable, NotFound, Overloaded,
    PreconditionError, SolveTimeout, StoreFailure, Unavailable, PROBLEM_JSON,
};

/// The statuses a shared failure can answer, whatever the handler.
pub trait Statuses {
    const STATUSES: &'static [u16];
}

macro_rules! statuses {
    ($($t:ty => [$($s:literal),+];)+) => {$(
        impl Statuses for $t {
            const STATUSES: &'static [u16] = &[$($s),+];
        }
    )+};
}

statuses! {
    AuthError => [401, 403];
    BodyError => [400, 413, 415];
    PreconditionError => [400, 412, 428];
    StoreFailure => [404, 409, 412, 500, 503];
    Invalid => [422];
    SolveTimeout => [503];
    Overloaded => [503];
    BadRequest => [400];
    NotFound => [404];
    NotAcceptable => [406];
    Unavailable => [503];
    Internal => [500];
}

/// One failure response a handler documents: its variant, the statuses the
/// variant's failure type can answer at all, and the status and description
/// declared for this handler.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Declared {
    pub variant: &'static str,
    pub possible: &'static [u16],
    pub status: u16,
    pub description: &'static str,
}

/// The OpenAPI responses of declared failures: one per status, the
/// descriptions of every variant answering it joined, a problem+json body.
pub fn failure_responses(
    declared: &[Declared],
) -> std::collections::BTreeMap<String, utoipa::openapi::RefOr<utoipa::openapi::response::Response>>
{
    use utoipa::openapi::{ContentBuilder, Ref, ResponseBuilder};
    let mut by_status: std::collections::BTreeMap<u16, Vec<&str>> = Default::default();
    for d in declared {
        let descriptions = by_status.entry(d.status).or_default();
        if !descriptions.contains(&d.description) {
            descriptions.push(d.description);
        }
    }
    by_status
        .into_iter()
        .map(|(status, descriptions)| {
            let response = ResponseBuilder::new()
                .description(descriptions.join("; "))
                .content(
                    PROBLEM_JSON,
                    ContentBuilder::new()
                        .schema(Some(Ref::from_schema_name("ProblemDetails")))
                        .build(),
                )
                .build();
            (status.to_string(), response.into())
        })
        .collect()
}

/// The statuses a variant of a handler's error declares: `{ 404: "…", … }`,
/// or `[SET]`, one of the sets in [`declare`] shared by several handlers.
macro_rules! declared {
    ({ $($status:literal : $desc:literal),+ $(,)? }) => {
        &[$(($status, $desc)),+]
    };
    ([$set:path]) => {
        $set
    };
}
pub(crate) use declared;

/// Declarations shared by several handlers, for `handler_error!`'s `[SET]`.
pub mod declare {
    /// A declared status and its description.
    pub type Statuses = &'static [(u16, &'static str)];

    pub const TOKEN: Statuses = &[(401, "Missing or unknown bearer token")];
    pub const JSON_BODY: Statuses = &[
        (400, "Malformed JSON"),
        (413, "Body over the limit"),
        (415, "Not JSON"),
    ];
    pub const IF_MATCH: Statuses = &[
        (400, "An If-Match header that is not text"),
        (
            412,
            "Stale If-Match; the problem names the current revision",
        ),
        (428, "If-Match missing"),
    ];
    pub const DATABASE: Statuses = &[(503, "The database is busy"), (500, "The database failed")];
    pub const SITE: Statuses = &[
        (404, "No such site"),
        (503, "The database is busy"),
        (500, "The database failed"),
    ];
    pub const REVISION: Statuses = &[
        (404, "No such site or revision"),
        (503, "The database is busy"),
        (500, "The database failed"),
    ];
    pub const ALLOCATION: Statuses = &[
        (404, "No such site or allocation"),
        (503, "The database is busy"),
        (500, "The database failed"),
    ];
    pub const SITE_WRITE: Statuses = &[
        (404, "No such site"),
        (412, "Another write won meanwhile"),
        (503, "The database is busy"),
        (500, "The database failed"),
    ];
    pub const SERVER: Statuses = &[(500, "The server failed")];
    pub const BUSY: Statuses = &[(
        503,
        "Too many validations or solves at once; `Retry-After` says when to retry",
    )];
}

/// Declares a handler's error enum: one transparent variant per shared
/// failure it can produce (each convertible with `?`; `, from T` adds a
/// conversion from another type through the variant's), answered as that
/// failure's problem, and after each variant the statuses it can answer in
/// this handler with their descriptions; every handler also has the last
/// variant `Internal` (500, [`declare::SERVER`]): its work runs on a worker
/// thread, which can fail. The same declaration is the handler's OpenAPI
/// failure responses (`utoipa::IntoResponses`), so the document lists
/// exactly what the handler can answer.
///
/// ```text
/// handler_error! {
///     /// Why `PUT /v1/sites/{site}/layout` fails.
///     pub enum PutLayoutError {
///         Auth(AuthError) { 401: "No valid token", 403: "Needs the planner role" },
///         Store(StoreFailure, from StoreError) [declare::SITE_WRITE],
///     }
/// }
/// ```
macro_rules! handler_error {
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident { $($variants:tt)* }
    ) => {
        $crate::api::error::handler_error! {
            @with_internal $(#[$meta])* $vis enum $name {
                $($variants)*
                Internal($crate::api::error::Internal) [$crate::api::error::declare::SERVER],
            }
        }
    };
    (
        @with_internal $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident($inner:ty $(, from $also:ty)*) $decl:tt ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, thiserror::Error)]
        $vis enum $name {
            $( $(#[$vmeta])* #[error(transparent)] $variant(#[from] $inner), )+
        }

        $($(
            impl From<$also> for $name {
                fn from(e: $also) -> Self {
                    $name::$variant(<$inner>::from(e))
                }
            }
        )*)+

        impl $name {
            /// Every failure response this handler declares.
            #[allow(dead_code)]
            pub fn declared() -> Vec<$crate::api::error::Declared> {
                let mut out = Vec::new();
                $(
                    for &(status, description) in $crate::api::error::declared!($decl) {
                        out.push($crate::api::error::Declared {
                            variant: stringify!($variant),
                            possible: <$inner as $crate::api::error::Statuses>::STATUSES,
                            status,
                            description,
                        });
                    }
                )+
                out
            }
        }

        impl utoipa::IntoResponses for $name {
            fn responses() -> std::collections::BTreeMap<
                String,
                utoipa::openapi::RefOr<utoipa::openapi::response::Response>,
            > {
                $crate::api::error::failure_responses(&$name::declared())
            }
        }

        impl $crate::api::error::HttpProblem for $name {
            fn category(&self) -> $crate::api::error::Category {
                match self {
                    $( $name::$variant(e) => $crate::api::error::HttpProblem::category(e), )+
                }
            }

            fn problem(&self) -> $crate::api::error::ProblemDetails {
                match self {
                    $( $name::$variant(e) => $crate::api::error::HttpProblem::problem(e), )+
                }
            }
        }

        $crate::api::error::problem_response!($name);
    };
}
pub(crate) use handler_error;

/// A handler declared once: its error enum (a [`handler_error!`]
/// declaration, or `use E` for one declared already), its OpenAPI operation
/// (the method, path and tag, the success response `ok`, any other
/// parameters and body, then the error enum's failures), the role it needs
/// (`role = Staff`, checked first; `as role` binds the caller's role) and
/// its signature: the app state and the request, named by the handler,
/// then its other extractors, answering `Result<HttpResponse, E>`.
///
/// ```text
/// endpoint! {
///     /// Why `GET /v1/sites/{site}` fails.
///     GetSiteError {
///         Auth(AuthError) [declare::TOKEN],
///         Store(StoreFailure, from StoreError) [declare::SITE],
///     }
///     get "/v1/sites/{site}", tag = "sites", role = Viewer,
///     ok(status = 200, description = "The site's head", body = SiteView),
///     params(("site" = String, Path, description = "Site id"));
///     /// A site's head.
///     pub async fn get_site(state, req, path: web::Path<String>) { … }
/// }
/// ```
macro_rules! endpoint {
    (
        $(#[$emeta:meta])* $error:ident { $($variants:tt)* }
        $($rest:tt)*
    ) => {
        $crate::api::error::handler_error! { $(#[$emeta])* pub enum $error { $($variants)* } }
        $crate::api::error::endpoint! { use $error; $($rest)* }
    };
    (
        use $error:ident;
        $method:ident $path:literal, tag = $tag:literal,
        $(role = $needed:ident $(as $role:ident)?,)?
        ok $ok:tt $(, $op:ident $args:tt)*;
        $(#[$meta:meta])*
        pub async fn $name:ident($state:ident, $req:ident $(, $arg:ident: $ty:ty)* $(,)?) $body:block
    ) => {
        #[utoipa::path($method, path = $path, tag = $tag, $($op $args,)* responses($ok, $error))]
        $(#[$meta])*
        pub async fn $name(
            $state: $crate::api::State,
            $req: actix_web::HttpRequest,
            $($arg: $ty),*
        ) -> Result<actix_web::HttpResponse, $error> {
            $($(let $role =)? $state.access.require(&$req, $crate::api::auth::Role::$needed)?;)?
            $body
        }
    };
}
pub(crate) use endpoint;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::StoreError;
    use actix_web::body::MessageBody;
    use actix_web::http::StatusCode;
    use actix_web::ResponseError;
    use utoipa::IntoResponses;

    fn body(e: &impl ResponseError) -> actix_web::web::Bytes {
        e.error_response()
            .into_body()
            .try_into_bytes()
            .unwrap_or_default()
    }

    handler_error! {
        /// A handler's error, for the test below.
        enum ExampleError {
            Auth(AuthError) { 401: "No valid token" },
            Store(StoreFailure, from StoreError) { 404: "No such site", 503: "Busy" },
        }
    }

    #[test]
    fn a_handler_error_documents_one_problem_response_per_declared_status() {
        let responses = ExampleError::responses();
        let statuses: Vec<&str> = responses.keys().map(String::as_str).collect();
        assert_eq!(statuses, ["401", "404", "500", "503"]);
        let json = serde_json::to_value(&responses["404"]).unwrap();
        assert_eq!(json["description"], "No such site");
        assert_eq!(
            json["content"][PROBLEM_JSON]["schema"]["$ref"],
            "#/components/schemas/ProblemDetails"
        );
    }

    #[test]
    fn a_handler_error_answers_exactly_as_the_failure_it_wraps() {
        let wrapped = ExampleError::from(StoreError::NoSite("s".into()));
        assert!(matches!(wrapped, ExampleError::Store(_)));
        assert_eq!(wrapped.to_string(), "no site `s`");
        assert_eq!(
            body(&wrapped),
            body(&StoreFailure(StoreError::NoSite("s".into())))
        );
        let auth = ExampleError::from(AuthError::Unauthorized("x"));
        assert_eq!(auth.status_code(), StatusCode::UNAUTHORIZED);
        assert!(auth
            .error_response()
            .headers()
            .contains_key(actix_web::http::header::WWW_AUTHENTICATE));
    }
}
