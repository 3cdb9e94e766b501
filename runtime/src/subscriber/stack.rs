//! Each thread's entered spans, innermost last: the current span is the last one not entered
//! twice (the registry's rule).

use tracing::span::Id;

#[derive(Default)]
pub(crate) struct SpanStack {
    /// Each entered span, and whether it was entered again while already on the stack.
    entered: Vec<(Id, bool)>,
}

impl SpanStack {
    pub(crate) fn push(&mut self, id: &Id) {
        let again = self.entered.iter().any(|(entered, _)| entered == id);
        self.entered.push((id.clone(), again));
    }

    /// Exits `id`: its last entry goes.
    pub(crate) fn pop(&mut self, id: &Id) {
        if let Some(at) = self.entered.iter().rposition(|(entered, _)| entered == id) {
            self.entered.remove(at);
        }
    }

    pub(crate) fn current(&self) -> Option<&Id> {
        self.entered
            .iter()
            .rev()
            .find(|(_, again)| !again)
            .map(|(id, _)| id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_span_entered_twice_stays_current_until_both_exits_and_spans_may_exit_out_of_order() {
        let (a, b) = (Id::from_u64(1), Id::from_u64(2));
        let mut stack = SpanStack::default();
        stack.push(&a);
        stack.push(&b);
        stack.push(&a);
        assert_eq!(
            stack.current(),
            Some(&b),
            "entered again: not current again"
        );
        stack.pop(&a);
        assert_eq!(stack.current(), Some(&b));
        stack.pop(&b);
        assert_eq!(stack.current(), Some(&a));
        stack.pop(&a);
        assert_eq!(stack.current(), None);
    }
}
