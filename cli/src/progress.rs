//! What `drove apply` and `drove destroy` show while they run. On a terminal: a bar of
//! the operations done with the ones in flight beside it, each finished one printed above.
//! Otherwise, or under NO_COLOR or CI: one plain line per start and end
//! (`ADDRESS: creating…`, `ADDRESS: creating… done (1.2s, ID)`), which logs read well.

use crate::output::{write, Stream};
use drove_engine::apply::Event;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::sync::Mutex;
use std::time::Duration;

pub struct ApplyProgress {
    bar: Option<ProgressBar>,
    in_flight: Mutex<Vec<String>>,
}

fn plain_wanted() -> bool {
    let set = |v: &str| std::env::var_os(v).is_some_and(|x| !x.is_empty());
    set("NO_COLOR") || set("CI") || !std::io::stderr().is_terminal()
}

impl ApplyProgress {
    pub fn new() -> ApplyProgress {
        ApplyProgress { bar: None, in_flight: Mutex::new(Vec::new()) }.with_bar(!plain_wanted())
    }

    fn with_bar(mut self, fancy: bool) -> ApplyProgress {
        if fancy {
            let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
            let style = ProgressStyle::with_template("{spinner} [{bar:24}] {pos}/{len} {elapsed} {wide_msg}")
                .map(|s| s.progress_chars("=> "))
                .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            self.bar = Some(bar);
        }
        self
    }

    pub fn event(&self, e: &Event) {
        let Some(bar) = &self.bar else {
            if !matches!(e, Event::Begin { .. }) {
                write(Stream::Stderr, &format!("{e}\n"));
            }
            return;
        };
        let Ok(mut in_flight) = self.in_flight.lock() else { return };
        match e {
            Event::Begin { operations } => {
                bar.set_length(*operations as u64);
                bar.enable_steady_tick(Duration::from_millis(120));
            }
            Event::Start { address, step } => in_flight.push(format!("{address} ({})", step.doing())),
            Event::Note { .. } => bar.println(e.to_string()),
            Event::Done { address, .. } | Event::Failed { address, .. } => {
                in_flight.retain(|a| !a.starts_with(&format!("{address} (")));
                bar.println(e.to_string());
                bar.inc(1);
            }
        }
        bar.set_message(in_flight.join(", "));
    }

    /// Clears the bar before the summary is printed.
    pub fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}
