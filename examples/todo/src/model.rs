//! A real, small text classifier: multinomial naive Bayes over words, trained at start-up (a few
//! milliseconds) on the labelled sentences shipped in `data/sentiment.tsv`.

use std::borrow::Cow;
use std::collections::HashMap;

use serde::{Deserialize, Serialize};

/// The shipped training data: `label<TAB>text` per line.
pub const DATASET: &str = include_str!("../data/sentiment.tsv");

/// The name the model reports in predictions and in the `model_name` metric label.
pub const MODEL_NAME: &str = "sentiment-nb-v1";

/// What the model says about a text.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Prediction {
    /// The most likely label: `positive` or `negative`.
    pub label: String,
    /// Its probability, between 0.5 and 1.
    pub score: f64,
    /// Which model answered.
    pub model: Cow<'static, str>,
}

/// Why the model cannot answer.
#[derive(Debug, thiserror::Error, tripod::ErrorType)]
pub enum ModelError {
    /// The text has no words the model can use: the caller's mistake, logged at WARN.
    #[error("the text must contain at least one word")]
    #[error_type(level = "warn")]
    EmptyInput,
    /// A failure asked for by `TODO_FAULT_ERROR_RATE` (`crate::faults`): a 500, at ERROR.
    #[error("the model failed (a fault injected by TODO_FAULT_ERROR_RATE)")]
    Injected,
}

/// A trained classifier.
#[derive(Debug)]
pub struct Classifier {
    labels: Vec<LabelStats>,
    vocabulary: usize,
}

#[derive(Debug)]
struct LabelStats {
    name: String,
    log_prior: f64,
    word_counts: HashMap<String, u32>,
    total_words: u32,
}

/// Lower-cased alphanumeric words.
fn words(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !c.is_alphanumeric() && c != '\'')
        .filter(|word| !word.is_empty())
        .map(str::to_lowercase)
}

/// Parses `label<TAB>text` lines, skipping blank ones.
pub fn parse_dataset(data: &str) -> Vec<(&str, &str)> {
    data.lines()
        .filter_map(|line| line.split_once('\t'))
        .collect()
}

impl Classifier {
    /// Trains on `(label, text)` examples.
    pub fn train<'a>(examples: impl IntoIterator<Item = (&'a str, &'a str)>) -> Classifier {
        let mut per_label: HashMap<&str, (u32, HashMap<String, u32>)> = HashMap::new();
        let mut documents = 0u32;
        let mut vocabulary = std::collections::HashSet::new();
        for (label, text) in examples {
            documents += 1;
            let (count, word_counts) = per_label.entry(label).or_default();
            *count += 1;
            for word in words(text) {
                vocabulary.insert(word.clone());
                *word_counts.entry(word).or_default() += 1;
            }
        }
        let mut labels: Vec<LabelStats> = per_label
            .into_iter()
            .map(|(name, (count, word_counts))| LabelStats {
                name: name.to_owned(),
                log_prior: (f64::from(count) / f64::from(documents.max(1))).ln(),
                total_words: word_counts.values().sum(),
                word_counts,
            })
            .collect();
        labels.sort_by(|a, b| a.name.cmp(&b.name));
        Classifier {
            labels,
            vocabulary: vocabulary.len(),
        }
    }

    /// Each label's share of the training examples, by label name.
    pub fn label_shares(&self) -> Vec<(String, f64)> {
        self.labels
            .iter()
            .map(|label| (label.name.clone(), label.log_prior.exp()))
            .collect()
    }

    /// Trains on the shipped data set.
    pub fn shipped() -> Classifier {
        Classifier::train(parse_dataset(DATASET))
    }

    /// Classifies `text`: the most likely label and its probability.
    ///
    /// # Errors
    ///
    /// [`ModelError::EmptyInput`] when the text has no words.
    /// (Observed as `ml.inference` by the predictor, `crate::predictor`, with the faults the
    /// environment asks for.)
    pub fn predict(&self, text: &str) -> Result<Prediction, ModelError> {
        let tokens: Vec<String> = words(text).collect();
        if tokens.is_empty() {
            return Err(ModelError::EmptyInput);
        }
        let scores: Vec<f64> = self
            .labels
            .iter()
            .map(|label| {
                let denominator = f64::from(label.total_words) + self.vocabulary as f64;
                label.log_prior
                    + tokens
                        .iter()
                        .map(|word| {
                            let count = label.word_counts.get(word).copied().unwrap_or(0);
                            ((f64::from(count) + 1.0) / denominator).ln()
                        })
                        .sum::<f64>()
            })
            .collect();
        // Softmax over log scores, stable against underflow.
        let max = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
        let total: f64 = scores.iter().map(|score| (score - max).exp()).sum();
        let (best, best_score) = scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))
            .expect("the model has labels");
        Ok(Prediction {
            label: self.labels[best].name.clone(),
            score: (best_score - max).exp() / total,
            model: Cow::Borrowed(MODEL_NAME),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_out_accuracy_is_printed_and_well_above_chance() {
        let examples = parse_dataset(DATASET);
        assert_eq!(examples.len(), 160);
        // Every fifth example is held out.
        let train = examples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 5 != 0)
            .map(|(_, e)| *e);
        let test: Vec<_> = examples
            .iter()
            .enumerate()
            .filter(|(i, _)| i % 5 == 0)
            .map(|(_, e)| *e)
            .collect();
        let model = Classifier::train(train);
        let correct = test
            .iter()
            .filter(|(label, text)| model.predict(text).unwrap().label == *label)
            .count();
        let accuracy = correct as f64 / test.len() as f64;
        println!(
            "held-out accuracy: {correct}/{} = {accuracy:.3}",
            test.len()
        );
        assert!(accuracy >= 0.8, "held-out accuracy {accuracy}");
    }

    #[test]
    fn predictions_are_probabilities_of_a_known_label() {
        let model = Classifier::shipped();
        let prediction = model.predict("What a wonderful, friendly place").unwrap();
        assert_eq!(prediction.label, "positive");
        assert!((0.5..=1.0).contains(&prediction.score));
        assert_eq!(
            model.predict("rude staff and cold food").unwrap().label,
            "negative"
        );
        assert!(matches!(
            model.predict("  !!  "),
            Err(ModelError::EmptyInput)
        ));
    }
}
