//! The dataset handle: rows copied once into WASM memory (with optional integer labels);
//! epochs, evaluations and stacking read them from there.

use diabolo_core::error::try_copied;
use diabolo_core::Error;

use wasm_bindgen::prelude::*;

use crate::args::{check_matrix, usize_arg};
use crate::errors::JsResult;

/// A data set copied once into WASM memory (with optional integer labels); epochs read it
/// from there.
#[wasm_bindgen]
pub struct Dataset {
    pub(crate) data: Vec<f32>,
    pub(crate) labels: Option<Vec<u32>>,
    pub(crate) rows: usize,
    pub(crate) cols: usize,
}

#[wasm_bindgen]
impl Dataset {
    #[wasm_bindgen(constructor)]
    pub fn new(data: Vec<f32>, rows: f64, cols: f64) -> JsResult<Dataset> {
        // Owned: the buffer the glue copied the caller's array into becomes the dataset, so
        // a dataset costs its size in WASM memory once, not twice.
        let (rows, cols) = (usize_arg("rows", rows)?, usize_arg("cols", cols)?);
        if cols == 0 {
            return Err(Error::invalid("cols", 0, "an integer ≥ 1").into());
        }
        check_matrix("dataset", &data, rows, cols)?;
        Ok(Dataset {
            data,
            labels: None,
            rows,
            cols,
        })
    }

    /// Attach one label per row (integers in `[0, classes)`; checked by the classifier).
    #[wasm_bindgen(js_name = setLabels)]
    pub fn set_labels(&mut self, labels: &[u32]) -> JsResult<()> {
        if labels.len() != self.rows {
            return Err(Error::shape("labels", format!("[{}]", self.rows), format!("[{}]", labels.len())).into());
        }
        self.labels = Some(labels.to_vec());
        Ok(())
    }

    #[wasm_bindgen(getter)]
    pub fn rows(&self) -> usize {
        self.rows
    }

    #[wasm_bindgen(getter)]
    pub fn cols(&self) -> usize {
        self.cols
    }

    /// Rows `start .. start + count` as a new dataset (labels follow), for validation splits.
    pub fn slice(&self, start: f64, count: f64) -> JsResult<Dataset> {
        let (start, count) = (usize_arg("start", start)?, usize_arg("count", count)?);
        if count == 0 || start + count > self.rows {
            return Err(Error::invalid("slice", format!("{start}+{count}"), "a non-empty range of rows").into());
        }
        let rows = &self.data[start * self.cols..(start + count) * self.cols];
        Ok(Dataset {
            data: try_copied("dataset slice", rows)?,
            labels: self.labels.as_ref().map(|l| l[start..start + count].to_vec()),
            rows: count,
            cols: self.cols,
        })
    }
}

impl Dataset {
    /// An error unless each row has `cols` values (the width of the model or classifier
    /// that reads it).
    pub(crate) fn check_cols(&self, cols: usize) -> JsResult<()> {
        if self.cols != cols {
            return Err(Error::shape(
                "data",
                format!("[n, {cols}]"),
                format!("[{}, {}]", self.rows, self.cols),
            )
            .into());
        }
        Ok(())
    }

    /// The labels, or an error if none were attached (classifiers train on labelled data).
    pub(crate) fn labelled(&self) -> JsResult<&[u32]> {
        self.labels
            .as_deref()
            .ok_or_else(|| Error::invalid("labels", "missing", "one label per training row").into())
    }
}
