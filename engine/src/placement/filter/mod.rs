//! The filtering stages of the placement pipeline (3.7 steps 1–3): an instance that fails a
//! filter is out, with a structured [`Rejection`](super::explain::Rejection).

pub mod constraints;
pub mod resources;
