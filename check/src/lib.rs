//! weft-check (placeholder)
pub mod history;
