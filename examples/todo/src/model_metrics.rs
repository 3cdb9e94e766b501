//! What the model predicts, as metrics: the guide's third question, "has the model's accuracy
//! dropped?", asked of the predictions themselves, since a served model never learns the true
//! labels. Each prediction counts in `model_predictions_total{model_name, label}` and its score
//! in the histogram `model_prediction_score{model_name, label}`, recorded inside `ml.inference`'s
//! span so their samples carry its trace as an exemplar; `model_training_share_ratio{model_name,
//! label}` holds each label's share of the training data. The rule `ModelPredictionDrift`
//! (`ops/model.rules.yml`) fires when a label's share of the last 30 minutes' predictions moves
//! more than 20 points from its training share.

use crate::model::{Classifier, MODEL_NAME, Prediction};

/// Counter of predictions, by `model_name` and `label`.
pub const PREDICTIONS: &str = "model_predictions_total";
/// Histogram of the predicted label's probability, by `model_name` and `label`.
pub const SCORE: &str = "model_prediction_score";
/// Gauge of each label's share of the training data, by `model_name` and `label`.
pub const TRAINING_SHARE: &str = "model_training_share_ratio";
/// The score histogram's buckets: a prediction's probability is between 0.5 and 1.
pub const SCORE_BUCKETS: [f64; 8] = [0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 0.99, 1.0];

/// Sets each label's training share, and starts each label's prediction count at 0 (so a label
/// the model stops predicting shows as a share of 0, not as no series).
pub fn record_training(model: &Classifier) {
    for (label, share) in model.label_shares() {
        metrics::gauge!(TRAINING_SHARE, "model_name" => MODEL_NAME, "label" => label.clone())
            .set(share);
        metrics::counter!(PREDICTIONS, "model_name" => MODEL_NAME, "label" => label).absolute(0);
    }
}

/// Counts `prediction` and records its score: call it inside the prediction's span.
pub fn record_prediction(prediction: &Prediction) {
    let label = prediction.label.clone();
    metrics::counter!(PREDICTIONS, "model_name" => MODEL_NAME, "label" => label.clone())
        .increment(1);
    metrics::histogram!(SCORE, "model_name" => MODEL_NAME, "label" => label)
        .record(prediction.score);
}
