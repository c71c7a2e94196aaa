//! Schemas every part of the OpenAPI document uses: the control plane's error, a created
//! object's id, and a write's success.

use serde::Serialize;
use utoipa::ToSchema;

/// Errors of the control plane.
#[derive(Serialize, ToSchema)]
pub struct ControlError {
    error: String,
}

/// `{"id": "…"}`.
#[derive(Serialize, ToSchema)]
pub struct CreatedId {
    id: String,
}

/// `{"success": true}`.
#[derive(Serialize, ToSchema)]
pub struct Success {
    success: bool,
}
