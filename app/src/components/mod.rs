//! Pieces the pages are made of.

mod badge;
mod flash;
mod submit;
mod ticker;

pub use badge::{Badge, ChannelStatus};
pub use flash::FlashMessage;
pub use submit::{on_submit_pending, SubmitButton};
pub use ticker::use_ticking_now;
