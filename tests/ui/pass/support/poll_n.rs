//! tracing-test's `PollN`, which tracing-attributes' tests await: ready after `polls` polls.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

pub struct PollN {
    polls: usize,
}

impl PollN {
    pub fn new_ok(polls: usize) -> PollN {
        PollN { polls }
    }
}

impl Future for PollN {
    type Output = Result<(), ()>;
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        if self.polls <= 1 {
            return Poll::Ready(Ok(()));
        }
        self.polls -= 1;
        cx.waker().wake_by_ref();
        Poll::Pending
    }
}
