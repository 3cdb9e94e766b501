//! Where predictions come from: the classifier in this process (the default), or another
//! instance of this service (`TODO_MODEL_URL`), called with the request's trace.

use std::sync::Arc;

use crate::error::AppError;
use crate::faults::Faults;
use crate::model::{Classifier, ModelError, Prediction};
use crate::remote_model::RemoteModel;

/// The model `POST /api/predict` asks.
#[derive(Clone, Debug)]
pub enum Predictor {
    /// The classifier trained at start-up, in this process, with the faults asked for.
    Local(Arc<Classifier>, Faults),
    /// Another instance's `POST /api/predict`.
    Remote(Arc<RemoteModel>),
}

impl Predictor {
    /// The shipped classifier, in process, without faults.
    pub fn shipped() -> Predictor {
        Predictor::shipped_with(Faults::NONE)
    }

    /// The shipped classifier, in process, failing and slowed as `faults` say.
    pub fn shipped_with(faults: Faults) -> Predictor {
        Predictor::Local(Arc::new(Classifier::shipped()), faults)
    }

    /// Classifies `text`.
    ///
    /// # Errors
    ///
    /// The model's error, as an [`AppError`].
    pub async fn predict(&self, text: &str) -> Result<Prediction, AppError> {
        match self {
            Predictor::Local(model, faults) => Ok(infer(model, faults, text).await?),
            Predictor::Remote(remote) => Ok(remote.predict(text).await?),
        }
    }
}

/// The in-process model's answer, observed as `ml.inference`: first the faults asked for (a
/// wait, a failure), then the classifier.
#[tripod::observe(name = "ml.inference", labels(model_name = "sentiment-nb-v1"), fields(input.length = text.len()))]
async fn infer(model: &Classifier, faults: &Faults, text: &str) -> Result<Prediction, ModelError> {
    if let Some(delay) = faults.delay() {
        tokio::time::sleep(delay).await;
    }
    if faults.fails() {
        return Err(ModelError::Injected);
    }
    model.predict(text)
}
