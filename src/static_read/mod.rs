//! Static readers: files read without the engine (Dockerfiles,
//! `.dockerignore`, build contexts).

pub mod build_context;
pub mod compose;
pub mod dockerfile;
pub mod dockerignore;
pub mod input_file;
pub mod key_values;
