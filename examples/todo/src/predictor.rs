//! Where predictions come from: the classifier in this process (the default), or another
//! instance of this service (`TODO_MODEL_URL`), called with the request's trace.

use std::sync::Arc;

use crate::error::AppError;
use crate::faults::Faults;
use crate::model::{Classifier, ModelError, Prediction};
use crate::model_metrics;
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
    /// Its training shares are recorded (`crate::model_metrics`): build it once tripod is
    /// installed.
    pub fn shipped_with(faults: Faults) -> Predictor {
        let model = Classifier::shipped();
        model_metrics::record_training(&model);
        Predictor::Local(Arc::new(model), faults)
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
/// wait, a failure), then the classifier, whose prediction is counted inside the call's span.
/// Its objective: 99.9 % of calls succeed, 99 % within 250 ms.
#[tripod::observe(
    name = "ml.inference",
    labels(model_name = "sentiment-nb-v1"),
    fields(input.length = text.len()),
    objective(success = 99.9, latency = "250ms", latency_target = 99)
)]
async fn infer(model: &Classifier, faults: &Faults, text: &str) -> Result<Prediction, ModelError> {
    if let Some(delay) = faults.delay() {
        tokio::time::sleep(delay).await;
    }
    if faults.fails() {
        return Err(ModelError::Injected);
    }
    let prediction = model.predict(text)?;
    model_metrics::record_prediction(&prediction);
    Ok(prediction)
}
