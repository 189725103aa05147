//! Measure: what the answers and complaints say, as numbers with their uncertainty. No HTTP and
//! no SQL here: `stats` (NPS, Wilson and t intervals, the change between periods and its test,
//! the minimum sample) and `emerging` (series that rose beyond chance) are pure functions of
//! counts; `rollup` folds stored answers into those counts; `sentiment` scores free text by language, on the box.

pub mod complaints;
pub mod correlation;
pub mod digest;
pub mod drivers;
pub mod emerging;
pub mod funnel;
pub mod goal_progress;
pub mod goals;
pub mod lexicon;
pub mod overview;
pub mod praise;
pub mod read;
pub mod rollup;
pub mod sentiment;
pub mod stats;
pub mod topics;
