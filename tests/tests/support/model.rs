//! The observed model call several tests share: `ml.inference` labelled `model_name`, failing on
//! empty input with `error_type="EmptyInput"`.

/// Why a prediction failed.
#[derive(Debug, tripod::ErrorType)]
pub enum ModelError {
    EmptyInput,
}

impl std::fmt::Display for ModelError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("the input is empty")
    }
}

/// The input's length; an error for empty input.
#[tripod::observe(name = "ml.inference", labels(model_name = "classifier"))]
pub fn predict(text: &str) -> Result<usize, ModelError> {
    if text.is_empty() {
        return Err(ModelError::EmptyInput);
    }
    Ok(text.len())
}
