//! Pieces the pages are made of. Islands (`ChannelStatus`, `HealthSign`, `BusyForm`) are the
//! only parts compiled to WASM; everything else is server-rendered HTML.

mod badge;
mod flash;
mod submit;
mod ticker;

pub use badge::{ChannelStatus, HealthSign};
pub use flash::FlashMessage;
pub use submit::{BusyForm, DangerForm};
use ticker::use_ticking_now;
