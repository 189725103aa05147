//! One error type for every handler: a status and `{"error": {"code", "message"}}`.

use crate::store::StoreError;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use shared::api::{ErrorBody, ErrorDetail};

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    Malformed(String),
    #[error("a valid API token is required")]
    Unauthorized,
    /// A login with an unknown e-mail or a wrong password: the same answer for both.
    #[error("the e-mail address or the password is wrong")]
    WrongCredentials,
    /// The password was right, and the account signs in with a second factor too.
    #[error("this account signs in with a second factor: send `code` too, from the authenticator app or a recovery code")]
    TwoFactorRequired,
    /// A second factor's code at sign-in is wrong, or was used already.
    #[error("the code is wrong or was used already")]
    WrongCode,
    /// A signed-in user's proof (their password, a code) for a change to their account is
    /// wrong: `code` says which, such as `wrong_password`.
    #[error("{message}")]
    WrongProof {
        code: &'static str,
        message: &'static str,
    },
    #[error("{0}")]
    Forbidden(String),
    #[error("{0}")]
    OriginNotAllowed(String),
    #[error("no site has this key")]
    UnknownSite,
    #[error("{0}")]
    NotFound(&'static str),
    /// The route exists, but not with this method: the `Allow` header lists the ones it takes.
    #[error("this route does not take this method; the Allow header lists those it does")]
    MethodNotAllowed,
    #[error("{0}")]
    Conflict(String),
    /// A case asked to go where its workflow does not lead (from where it is, for this caller).
    #[error("{}", .0.message())]
    InvalidTransition(crate::complaints::Refused),
    /// What was there once and is no more, like setting up a collector that has users.
    #[error("{0}")]
    Gone(String),
    #[error("the request body is larger than {} KiB", super::MAX_BODY / 1024)]
    TooLarge,
    #[error("send the body as application/json or text/plain")]
    UnsupportedMediaType,
    #[error("{0}")]
    Invalid(String),
    /// A value a `shared` check refused, with the field it names (`questions[2].prompt`).
    #[error("{}", .0.message())]
    Refused(shared::Invalid),
    /// Too many requests from one client or for one site; retry after this many seconds.
    #[error("too many answers {what}; retry in {retry_after} s")]
    RateLimited {
        what: &'static str,
        retry_after: u64,
    },
    /// Too many failed logins for one e-mail address or from one client.
    #[error("too many failed logins; retry in {retry_after} s")]
    TooManyLogins { retry_after: u64 },
    #[error("{0}")]
    Unavailable(String),
    /// The database is out of reach (`StoreError::is_unreachable`), found so by this request or,
    /// answered at once, by the breaker (`http::reach`).
    #[error("the database does not answer; retry shortly")]
    Unreachable,
    /// The SMTP server did not take a message that had to go out now (an invitation).
    #[error("{0}")]
    MailFailed(String),
    /// Anything unexpected: logged in full, shown as an opaque 500.
    #[error("an internal error occurred")]
    Internal(#[source] anyhow::Error),
}

impl ApiError {
    pub(crate) fn status_and_code(&self) -> (StatusCode, &'static str) {
        match self {
            ApiError::Malformed(_) => (StatusCode::BAD_REQUEST, "malformed"),
            ApiError::Unauthorized => (StatusCode::UNAUTHORIZED, "unauthorized"),
            ApiError::WrongCredentials => (StatusCode::UNAUTHORIZED, "wrong_credentials"),
            ApiError::TwoFactorRequired => (StatusCode::UNAUTHORIZED, "two_factor_required"),
            ApiError::WrongCode => (StatusCode::UNAUTHORIZED, "wrong_code"),
            ApiError::WrongProof { code, .. } => (StatusCode::FORBIDDEN, *code),
            ApiError::Forbidden(_) => (StatusCode::FORBIDDEN, "forbidden"),
            ApiError::OriginNotAllowed(_) => (StatusCode::FORBIDDEN, "origin_not_allowed"),
            ApiError::UnknownSite => (StatusCode::NOT_FOUND, "unknown_site"),
            ApiError::NotFound(_) => (StatusCode::NOT_FOUND, "not_found"),
            ApiError::MethodNotAllowed => (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed"),
            ApiError::Conflict(_) => (StatusCode::CONFLICT, "conflict"),
            ApiError::InvalidTransition(_) => (StatusCode::CONFLICT, "invalid_transition"),
            ApiError::Gone(_) => (StatusCode::GONE, "gone"),
            ApiError::TooLarge => (StatusCode::PAYLOAD_TOO_LARGE, "too_large"),
            ApiError::UnsupportedMediaType => {
                (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
            }
            ApiError::Invalid(_) | ApiError::Refused(_) => {
                (StatusCode::UNPROCESSABLE_ENTITY, "invalid")
            }
            ApiError::RateLimited { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::TooManyLogins { .. } => (StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
            ApiError::Unavailable(_) | ApiError::Unreachable => {
                (StatusCode::SERVICE_UNAVAILABLE, "unavailable")
            }
            ApiError::MailFailed(_) => (StatusCode::BAD_GATEWAY, "mail_failed"),
            ApiError::Internal(_) => (StatusCode::INTERNAL_SERVER_ERROR, "internal"),
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let (status, code) = self.status_and_code();
        match &self {
            ApiError::Internal(e) => tracing::error!(error = ?e, "internal error"),
            ApiError::Unavailable(e) => tracing::warn!(error = %e, "storage unavailable"),
            _ => {}
        }
        let body = ErrorBody {
            error: ErrorDetail {
                code: code.into(),
                message: self.to_string(),
                allowed: match &self {
                    ApiError::InvalidTransition(r) => {
                        Some(r.allowed.iter().map(|s| s.as_str().to_owned()).collect())
                    }
                    _ => None,
                },
                field: match &self {
                    ApiError::Refused(invalid) => invalid.field().map(str::to_owned),
                    _ => None,
                },
            },
        };
        let mut response = (status, Json(body)).into_response();
        let retry_after = match self {
            ApiError::Unavailable(_) | ApiError::Unreachable => Some(5),
            ApiError::RateLimited { retry_after, .. } => Some(retry_after),
            ApiError::TooManyLogins { retry_after } => Some(retry_after),
            _ => None,
        };
        if let Some(seconds) = retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        if let ApiError::Unreachable = self {
            // For the breaker, which reads it on the way out.
            response.extensions_mut().insert(super::reach::Unreached);
        }
        if let ApiError::TooLarge = self {
            // The rest of the body is never read, so the server closes the connection after this
            // answer; saying so keeps a client from sending its next request down a closed line.
            response.headers_mut().insert(
                header::CONNECTION,
                header::HeaderValue::from_static("close"),
            );
        }
        response
    }
}

/// A body or query string that axum could not read: the client's mistake, said in axum's words.
impl From<axum::extract::rejection::JsonRejection> for ApiError {
    fn from(e: axum::extract::rejection::JsonRejection) -> Self {
        ApiError::Malformed(e.body_text())
    }
}

impl From<axum::extract::rejection::QueryRejection> for ApiError {
    fn from(e: axum::extract::rejection::QueryRejection) -> Self {
        ApiError::Malformed(e.body_text())
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            e @ StoreError::Unavailable(_) if e.is_unreachable() => {
                tracing::warn!(error = %e, "the database does not answer");
                ApiError::Unreachable
            }
            StoreError::Unavailable(e) => {
                tracing::warn!(error = %e, "storage unavailable");
                ApiError::Unavailable("storage is unavailable; retry shortly".into())
            }
            StoreError::Conflict(what) => ApiError::Conflict(format!("{what} already exists")),
            StoreError::Other(e) => ApiError::Internal(e),
        }
    }
}
