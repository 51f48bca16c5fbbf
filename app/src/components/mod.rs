//! Pieces the pages are made of. Islands (`ChannelStatus`, `LiveStatuses`, `HealthSign`,
//! `BusyForm`, `CopyButton`) are the only parts compiled to WASM; everything else is
//! server-rendered HTML.

mod badge;
mod copy;
mod flash;
mod submit;
mod ticker;

pub use badge::{ChannelStatus, HealthSign, LiveStatuses, RowStatus};
pub use copy::CopyButton;
pub use flash::FlashMessage;
pub use submit::{BusyForm, DangerForm};
use ticker::use_ticking_now;
