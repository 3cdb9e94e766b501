//! Each thread's entered spans, innermost last: the current span is the last one not entered
//! twice (the registry's rule).

use tracing::span::Id;

#[derive(Default)]
pub(crate) struct SpanStack {
    entered: Vec<(Id, bool)>,
}

impl SpanStack {
    /// Enters `id`; `true` when it was not entered already (the stack then holds it).
    pub(crate) fn push(&mut self, id: &Id) -> bool {
        let again = self.entered.iter().any(|(entered, _)| entered == id);
        self.entered.push((id.clone(), again));
        !again
    }

    /// Exits `id`; `true` when that releases the stack's hold on it.
    pub(crate) fn pop(&mut self, id: &Id) -> bool {
        match self.entered.iter().rposition(|(entered, _)| entered == id) {
            Some(at) => !self.entered.remove(at).1,
            None => false,
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
    fn a_span_entered_twice_is_released_once_and_stays_current_until_both_exits() {
        let (a, b) = (Id::from_u64(1), Id::from_u64(2));
        let mut stack = SpanStack::default();
        assert!(stack.push(&a));
        assert!(stack.push(&b));
        assert!(!stack.push(&a), "entered again: not held twice");
        assert_eq!(stack.current(), Some(&b));
        assert!(!stack.pop(&a));
        assert!(stack.pop(&b));
        assert_eq!(stack.current(), Some(&a));
        assert!(stack.pop(&a));
        assert_eq!(stack.current(), None);
    }
}
