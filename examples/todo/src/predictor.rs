//! Where predictions come from: the classifier in this process (the default), or another
//! instance of this service (`TODO_MODEL_URL`), called with the request's trace.

use std::sync::Arc;

use crate::error::AppError;
use crate::model::{Classifier, Prediction};
use crate::remote_model::RemoteModel;

/// The model `POST /api/predict` asks.
#[derive(Clone, Debug)]
pub enum Predictor {
    /// The classifier trained at start-up, in this process.
    Local(Arc<Classifier>),
    /// Another instance's `POST /api/predict`.
    Remote(Arc<RemoteModel>),
}

impl Predictor {
    /// The shipped classifier, in process.
    pub fn shipped() -> Predictor {
        Predictor::Local(Arc::new(Classifier::shipped()))
    }

    /// Classifies `text`.
    ///
    /// # Errors
    ///
    /// The model's error, as an [`AppError`].
    pub async fn predict(&self, text: &str) -> Result<Prediction, AppError> {
        match self {
            Predictor::Local(model) => Ok(model.predict(text)?),
            Predictor::Remote(remote) => Ok(remote.predict(text).await?),
        }
    }
}
