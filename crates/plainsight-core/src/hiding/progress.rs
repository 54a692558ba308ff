//! Progress of long hides and reveals, tile by tile, for whoever wants to show it.
//!
//! A caller wraps its work in [`observe`]; every tile the networks finish on that
//! thread is reported to its callback as `(done, total)`. Nothing is reported (and
//! nothing costs) outside an `observe` call, so the library stays silent by default.

use std::cell::RefCell;
use std::rc::Rc;

type Sink = Rc<dyn Fn(usize, usize)>;

thread_local! {
    /// The callbacks of the `observe` calls running on this thread, innermost last.
    static SINKS: RefCell<Vec<Sink>> = const { RefCell::new(Vec::new()) };
}

/// Runs `work`, reporting each finished tile to `sink` as `(done, total)`.
pub fn observe<T>(sink: impl Fn(usize, usize) + 'static, work: impl FnOnce() -> T) -> T {
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

/// Reports a finished tile to the innermost `observe` on this thread, if any.
pub(crate) fn tick(done: usize, total: usize) {
    // Cloned out first, so a callback may itself hide (and tick) without a
    // second borrow.
    if let Some(sink) = SINKS.with(|sinks| sinks.borrow().last().cloned()) {
        sink(done, total);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_reach_the_innermost_observer_only_inside_it() {
        tick(1, 1); // nobody listens: nothing happens
        let seen = Rc::new(RefCell::new(Vec::new()));
        let outer = seen.clone();
        let inner = seen.clone();
        observe(
            move |done, total| outer.borrow_mut().push(("outer", done, total)),
            || {
                tick(1, 2);
                observe(
                    move |done, total| inner.borrow_mut().push(("inner", done, total)),
                    || tick(1, 1),
                );
                tick(2, 2);
            },
        );
        tick(3, 3);
        let seen = seen.borrow().clone();
        assert_eq!(seen, [("outer", 1, 2), ("inner", 1, 1), ("outer", 2, 2)]);
    }
}
