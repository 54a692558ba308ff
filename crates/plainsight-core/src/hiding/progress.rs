//! Progress of long hides and reveals, tile by tile, for whoever wants to show it.
//!
//! A caller wraps its work in [`observe`]; as the networks finish tiles on that
//! thread (and, inside a tile, refinement steps), its callback gets the share done,
//! 0 to 1. Nothing is reported (and nothing costs) outside an `observe` call, so the
//! library stays silent by default.

use std::cell::RefCell;
use std::rc::Rc;

type Sink = Rc<dyn Fn(f64)>;

thread_local! {
    /// The callbacks of the `observe` calls running on this thread, innermost last.
    static SINKS: RefCell<Vec<Sink>> = const { RefCell::new(Vec::new()) };
    /// The tile being worked on and the number of tiles, for [`within`].
    static TILE: std::cell::Cell<(usize, usize)> = const { std::cell::Cell::new((0, 1)) };
}

/// Runs `work`, reporting the share of it done (0 to 1) to `sink`.
pub fn observe<T>(sink: impl Fn(f64) + 'static, work: impl FnOnce() -> T) -> T {
    // Popped when `work` ends, also if it panics.
    struct Pop;
    impl Drop for Pop {
        fn drop(&mut self) {
            SINKS.with(|sinks| sinks.borrow_mut().pop());
        }
    }
    SINKS.with(|sinks| sinks.borrow_mut().push(Rc::new(sink)));
    let _pop = Pop;
    work()
}

/// Reports that tile `done` of `total` is finished, and that the next one starts.
pub(crate) fn tick(done: usize, total: usize) {
    TILE.with(|tile| tile.set((done, total.max(1))));
    report(done as f64 / total.max(1) as f64);
}

/// Reports `step` of `steps` done inside the current tile (refinement).
pub(crate) fn within(step: usize, steps: usize) {
    let (tile, tiles) = TILE.with(|tile| tile.get());
    report((tile as f64 + step as f64 / steps.max(1) as f64) / tiles as f64);
}

fn report(share: f64) {
    // Cloned out first, so a callback may itself hide (and report) without a
    // second borrow.
    if let Some(sink) = SINKS.with(|sinks| sinks.borrow().last().cloned()) {
        sink(share.clamp(0.0, 1.0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_reach_the_innermost_observer_only_inside_it() {
        tick(1, 1); // nobody listens: nothing happens
        let seen = Rc::new(RefCell::new(Vec::new()));
        let (outer, inner) = (seen.clone(), seen.clone());
        observe(
            move |share| outer.borrow_mut().push(("outer", share)),
            || {
                tick(0, 2); // the first of two tiles starts
                within(1, 2); // half of its refinement
                observe(
                    move |share| inner.borrow_mut().push(("inner", share)),
                    || tick(1, 1),
                );
                tick(1, 2);
                tick(2, 2);
            },
        );
        tick(3, 3);
        let seen = seen.borrow().clone();
        assert_eq!(
            seen,
            [
                ("outer", 0.0),
                ("outer", 0.25),
                ("inner", 1.0),
                ("outer", 0.5),
                ("outer", 1.0)
            ]
        );
    }
}
