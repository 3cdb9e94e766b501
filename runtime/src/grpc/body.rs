//! A call's response body, watched for the status gRPC sends in its trailers: when they
//! arrive, when the body ends without them (`UNKNOWN`), or when it is dropped first
//! (`CANCELLED`), the call is finished, once.

use std::pin::Pin;
use std::task::{Context, Poll};

use http_body::{Body, Frame, SizeHint};

use super::path::{CANCELLED, UNKNOWN, status_of};

/// What a call does once its status is known.
pub(super) trait Finish: Send + Sync + 'static {
    /// Records status `code` (and its message) and the call's end.
    fn finish(self: Box<Self>, code: i32, message: Option<String>);
}

pin_project_lite::pin_project! {
    /// A gRPC response's body, its call finished when its status arrives (the layers'
    /// responses carry it).
    pub struct ObservedBody<B> {
        #[pin]
        inner: B,
        call: Option<Box<dyn Finish>>,
    }

    impl<B> PinnedDrop for ObservedBody<B> {
        fn drop(this: Pin<&mut Self>) {
            if let Some(call) = this.project().call.take() {
                call.finish(CANCELLED, None);
            }
        }
    }
}

impl<B> ObservedBody<B> {
    /// `inner`, finishing `call` (when there is one left to finish) at its trailers.
    pub(super) fn new(inner: B, call: Option<Box<dyn Finish>>) -> ObservedBody<B> {
        ObservedBody { inner, call }
    }
}

/// `response` with its body watched for `call`'s status: `call` finished now when the headers
/// hold it (a trailers-only answer), else when the trailers arrive.
pub(super) fn watched<B>(
    response: http::Response<B>,
    call: Option<Box<dyn Finish>>,
) -> http::Response<ObservedBody<B>> {
    let call = match (call, status_of(response.headers())) {
        (Some(call), Some((code, message))) => {
            call.finish(code, message);
            None
        }
        (call, _) => call,
    };
    response.map(|body| ObservedBody::new(body, call))
}

impl<B> std::fmt::Debug for ObservedBody<B> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ObservedBody").finish_non_exhaustive()
    }
}

impl<B: Body> Body for ObservedBody<B> {
    type Data = B::Data;
    type Error = B::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Self::Data>, Self::Error>>> {
        let this = self.project();
        let frame = std::task::ready!(this.inner.poll_frame(cx));
        let status = match &frame {
            Some(Ok(frame)) => frame
                .trailers_ref()
                .map(|trailers| status_of(trailers).unwrap_or((UNKNOWN, None))),
            Some(Err(_)) => Some((UNKNOWN, Some("the response stream failed".to_owned()))),
            None => Some((
                UNKNOWN,
                Some("the response ended without a status".to_owned()),
            )),
        };
        if let Some((code, message)) = status
            && let Some(call) = this.call.take()
        {
            call.finish(code, message);
        }
        Poll::Ready(frame)
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}
