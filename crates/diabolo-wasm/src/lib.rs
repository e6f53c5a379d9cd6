//! wasm-bindgen binding of `diabolo-core`.
//!
//! Only conversions live here: opaque handles (`Dataset`, `Model`) that keep their data in
//! WASM memory, typed arrays in and out, and core errors turned into JS `Error`s whose
//! message starts with the stable code (`E_SHAPE: …`), which the TS facade turns back into
//! a typed `DiaboloError`.

use diabolo_core::error::{try_copied, try_filled};
use diabolo_core::models::classifier::Classifier as CoreClassifier;
use diabolo_core::spec::optimizer_from_json;
use diabolo_core::training::TrainState;
use diabolo_core::{Error, LossTerms, Model as CoreModel, ModelSpec};
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use wasm_bindgen::prelude::*;

fn js_err(e: Error) -> JsError {
    JsError::new(&format!("{}: {}", e.code(), e))
}

/// The system allocator, remembering the size of the last request it could not serve: with
/// `panic = "abort"` an allocation failure traps, and the size is what the caller reads
/// afterwards (`lastAllocationFailure`) to say what happened.
struct Tracking;

static LAST_FAILURE: AtomicUsize = AtomicUsize::new(0);

fn note(p: *mut u8, size: usize) -> *mut u8 {
    if p.is_null() {
        LAST_FAILURE.store(size, Ordering::Relaxed);
    }
    p
}

// SAFETY: every call is forwarded unchanged to `System`; only null results are observed.
unsafe impl GlobalAlloc for Tracking {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note(unsafe { System.alloc(layout) }, layout.size())
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note(unsafe { System.alloc_zeroed(layout) }, layout.size())
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note(unsafe { System.realloc(ptr, layout, new_size) }, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Tracking = Tracking;

/// Whether one block of `bytes` can be allocated now (it is allocated and freed at once).
/// Callers ask before handing over a big array, because the glue's own copy of an argument
/// cannot fail gracefully.
#[wasm_bindgen(js_name = canAllocate)]
pub fn can_allocate(bytes: f64) -> bool {
    if !(bytes >= 0.0 && bytes < isize::MAX as f64) {
        return false;
    }
    let mut probe: Vec<u8> = Vec::new();
    probe.try_reserve_exact(bytes as usize).is_ok()
}

/// Bytes of the last allocation that failed (0 if none has).
#[wasm_bindgen(js_name = lastAllocationFailure)]
pub fn last_allocation_failure() -> f64 {
    LAST_FAILURE.load(Ordering::Relaxed) as f64
}

/// Fault injection for the tests of fault handling: `"trap"` executes `unreachable`;
/// `"oom"` allocates 256 MiB blocks (never touched) until the allocator gives up, which
/// aborts as any real out-of-memory would.
#[wasm_bindgen(js_name = injectFault)]
pub fn inject_fault(kind: &str) -> Result<(), JsError> {
    match kind {
        "trap" => std::process::abort(),
        "oom" => {
            let mut blocks: Vec<Vec<u8>> = Vec::new();
            loop {
                blocks.push(Vec::with_capacity(256 << 20));
            }
        }
        _ => Err(js_err(Error::invalid("fault", kind, "\"trap\" or \"oom\""))),
    }
}

/// Which kernel set this binary was compiled with: `"relaxed"`, `"simd128"` or `"scalar"`.
#[wasm_bindgen(js_name = buildFlavor)]
pub fn build_flavor() -> String {
    if cfg!(target_feature = "relaxed-simd") {
        "relaxed".into()
    } else if cfg!(target_feature = "simd128") {
        "simd128".into()
    } else {
        "scalar".into()
    }
}

/// Version of the core crate this binary was built from.
#[wasm_bindgen(js_name = coreVersion)]
pub fn core_version() -> String {
    env!("CARGO_PKG_VERSION").into()
}

/// Bytes of linear memory this instance holds (it grows, never shrinks; freed handles are
/// reused by the allocator).
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        (core::arch::wasm32::memory_size(0) * 65536) as f64
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}

fn usize_arg(field: &'static str, v: f64) -> Result<usize, JsError> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= u32::MAX as f64 {
        Ok(v as usize)
    } else {
        Err(js_err(Error::invalid(field, v, "a non-negative integer")))
    }
}

fn seed_arg(v: f64) -> Result<u64, JsError> {
    if v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v <= 9_007_199_254_740_991.0 {
        Ok(v as u64)
    } else {
        Err(js_err(Error::invalid("seed", v, "an integer in [0, 2^53 − 1]")))
    }
}

/// `rows × cols` finite values, or an error naming the first bad one.
fn check_matrix(what: &'static str, data: &[f32], rows: usize, cols: usize) -> Result<(), JsError> {
    if rows == 0 || data.len() != rows * cols {
        return Err(js_err(Error::shape(
            what,
            format!("[{rows}, {cols}] ({} values)", rows * cols),
            format!("{} values", data.len()),
        )));
    }
    if let Some(i) = data.iter().position(|v| !v.is_finite()) {
        // Named as JavaScript prints them.
        let v = if data[i].is_nan() {
            "NaN"
        } else if data[i] > 0.0 {
            "Infinity"
        } else {
            "-Infinity"
        };
        return Err(js_err(Error::invalid(
            what,
            format!("{v} at row {}, column {}", i / cols, i % cols),
            "finite numbers (no NaN or ±Infinity)",
        )));
    }
    Ok(())
}

fn terms_array(t: &LossTerms) -> [f64; 6] {
    [t.reconstruction, t.sparsity, t.contractive, t.kl, t.l2, t.total]
}

/// A data set copied once into WASM memory (with optional integer labels); epochs read it
/// from there.
#[wasm_bindgen]
pub struct Dataset {
    data: Vec<f32>,
    labels: Option<Vec<u32>>,
    rows: usize,
    cols: usize,
}

#[wasm_bindgen]
impl Dataset {
    #[wasm_bindgen(constructor)]
    pub fn new(data: Vec<f32>, rows: f64, cols: f64) -> Result<Dataset, JsError> {
        // Owned: the buffer the glue copied the caller's array into becomes the dataset, so
        // a dataset costs its size in WASM memory once, not twice.
        let (rows, cols) = (usize_arg("rows", rows)?, usize_arg("cols", cols)?);
        if cols == 0 {
            return Err(js_err(Error::invalid("cols", 0, "an integer ≥ 1")));
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
    pub fn set_labels(&mut self, labels: &[u32]) -> Result<(), JsError> {
        if labels.len() != self.rows {
            return Err(js_err(Error::shape(
                "labels",
                format!("[{}]", self.rows),
                format!("[{}]", labels.len()),
            )));
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
    pub fn slice(&self, start: f64, count: f64) -> Result<Dataset, JsError> {
        let (start, count) = (usize_arg("start", start)?, usize_arg("count", count)?);
        if count == 0 || start + count > self.rows {
            return Err(js_err(Error::invalid(
                "slice",
                format!("{start}+{count}"),
                "a non-empty range of rows",
            )));
        }
        let rows = &self.data[start * self.cols..(start + count) * self.cols];
        Ok(Dataset {
            data: try_copied("dataset slice", rows).map_err(js_err)?,
            labels: self.labels.as_ref().map(|l| l[start..start + count].to_vec()),
            rows: count,
            cols: self.cols,
        })
    }
}

/// Any autoencoder of the lecture, living in WASM memory (see `diabolo_core::models::autoencoder`).
#[wasm_bindgen]
pub struct Model {
    inner: CoreModel<f32>,
    /// Data-parallel: the other replicas' shard gradients of one minibatch, end to end (one
    /// slot per replica), written by JS straight into WASM memory before the summed update.
    incoming: Vec<f32>,
}

impl Model {
    fn check_dataset(&self, data: &Dataset) -> Result<(), JsError> {
        if data.cols != self.inner.inputs() {
            return Err(js_err(Error::shape(
                "data",
                format!("[n, {}]", self.inner.inputs()),
                format!("[{}, {}]", data.rows, data.cols),
            )));
        }
        Ok(())
    }
}

#[wasm_bindgen]
impl Model {
    /// Build from a model spec in JSON (every field present; the TS facade applies defaults).
    #[wasm_bindgen(constructor)]
    pub fn new(spec_json: &str) -> Result<Model, JsError> {
        let spec = ModelSpec::from_json(spec_json).map_err(js_err)?;
        Ok(Model {
            inner: CoreModel::new(spec).map_err(js_err)?,
            incoming: Vec::new(),
        })
    }

    /// One epoch: `[reconstruction, sparsity, contractive, kl, l2, total, batches, samples]`.
    #[wasm_bindgen(js_name = trainEpoch)]
    pub fn train_epoch(&mut self, data: &Dataset, batch_size: f64, learning_rate: f64) -> Result<Vec<f64>, JsError> {
        self.check_dataset(data)?;
        let bs = usize_arg("batchSize", batch_size)?;
        let r = self
            .inner
            .train_epoch(&data.data, data.rows, bs, learning_rate)
            .map_err(js_err)?;
        let mut out = terms_array(&r.terms).to_vec();
        out.extend([r.batches as f64, r.samples as f64]);
        Ok(out)
    }

    /// Start an epoch over `data` (draws its minibatch order).
    #[wasm_bindgen(js_name = beginEpoch)]
    pub fn begin_epoch(&mut self, data: &Dataset) -> Result<(), JsError> {
        self.check_dataset(data)?;
        self.inner.begin_epoch(&data.data, data.rows).map_err(js_err)
    }

    /// The current epoch's order of rows, for the other replicas of data-parallel training.
    #[wasm_bindgen(js_name = epochOrder)]
    pub fn epoch_order(&self) -> Vec<u32> {
        self.inner.epoch_order().iter().map(|&i| i as u32).collect()
    }

    /// A new noise stream (corruption, VAE sampling) from `seed`: data-parallel replicas
    /// draw noise for different shards.
    pub fn reseed(&mut self, seed: f64) -> Result<(), JsError> {
        if !((0.0..=9_007_199_254_740_991.0).contains(&seed) && seed.fract() == 0.0) {
            return Err(js_err(Error::invalid("seed", seed, "an integer in [0, 2^53)")));
        }
        self.inner.reseed(seed as u64);
        Ok(())
    }

    /// Take the epoch order of another replica training on the same `data`.
    #[wasm_bindgen(js_name = setEpochOrder)]
    pub fn set_epoch_order(&mut self, data: &Dataset, order: &[u32]) -> Result<(), JsError> {
        self.check_dataset(data)?;
        self.inner.set_epoch_order(order, data.rows).map_err(js_err)
    }

    /// Data-parallel: the gradient of shard `shard` of `shards` of minibatch `batch` (a
    /// mean over the shard's rows), kept in the model's gradient tensors (see
    /// `gradientSpans`); the shard's loss terms (means) and size go into `terms`
    /// (`[reconstruction, sparsity, contractive, kl, l2, total, size]`).
    #[wasm_bindgen(js_name = shardGradients)]
    pub fn shard_gradients(
        &mut self,
        data: &Dataset,
        batch_size: f64,
        batch: f64,
        shard: f64,
        shards: f64,
        terms: &mut [f64],
    ) -> Result<(), JsError> {
        self.check_dataset(data)?;
        let (bs, batch, shard, shards) = (
            usize_arg("batchSize", batch_size)?,
            usize_arg("batch", batch)?,
            usize_arg("shard", shard)?,
            usize_arg("shards", shards)?,
        );
        let (t, n) = self
            .inner
            .shard_gradients(&data.data, data.rows, bs, batch, shard, shards)
            .map_err(js_err)?;
        for (dst, v) in terms.iter_mut().zip(terms_array(&t).into_iter().chain([n as f64])) {
            *dst = v;
        }
        Ok(())
    }

    /// Where the gradient tensors of the last shard lie in WASM memory, in parameter order:
    /// `[pointer, length (floats), pointer, length, …]`. JS copies them from there straight
    /// into this replica's shared slot (the engine asks once per run of minibatches).
    #[wasm_bindgen(js_name = gradientSpans)]
    pub fn gradient_spans(&mut self) -> Vec<u32> {
        self.inner
            .shard_gradient_tensors()
            .iter()
            .flat_map(|g| [g.as_ptr() as u32, g.len() as u32])
            .collect()
    }

    /// Room for `count` shard gradients end to end; where it lies in WASM memory. JS writes
    /// the other replicas' gradients there, then calls `applyIncoming`.
    #[wasm_bindgen(js_name = incomingPointer)]
    pub fn incoming_pointer(&mut self, count: f64) -> Result<usize, JsError> {
        let len = usize_arg("count", count)? * self.inner.parameter_count();
        if self.incoming.len() != len {
            self.incoming = try_filled("gradient slots", len, 0.0).map_err(js_err)?;
        }
        Ok(self.incoming.as_ptr() as usize)
    }

    /// Data-parallel update: the shard gradients of the minibatch — this replica's own, in
    /// place, and the others' from the incoming buffer (with `ownWritten`, its own too, from
    /// its slot there) — are weighted by their shares and summed in slot order, then clipped
    /// and stepped: the same sum, hence the same weights, everywhere.
    #[wasm_bindgen(js_name = applyIncoming)]
    pub fn apply_incoming(&mut self, own: f64, learning_rate: f64, own_written: bool) -> Result<(), JsError> {
        let own = usize_arg("own", own)?;
        self.inner
            .apply_gradient_sum(&self.incoming, (!own_written).then_some(own), learning_rate)
            .map_err(js_err)
    }

    /// Minibatches `first … first + count − 1` of the current epoch: the sample-weighted sums
    /// `[reconstruction, sparsity, contractive, kl, l2, total, batchesRun]`, then the epoch's
    /// terms so far as means over its rows (the same six; after the last minibatch, the
    /// epoch's terms, bit for bit those of `trainEpoch`).
    #[wasm_bindgen(js_name = trainBatches)]
    pub fn train_batches(
        &mut self,
        data: &Dataset,
        batch_size: f64,
        learning_rate: f64,
        first: f64,
        count: f64,
    ) -> Result<Vec<f64>, JsError> {
        self.check_dataset(data)?;
        let (bs, first, count) = (
            usize_arg("batchSize", batch_size)?,
            usize_arg("first", first)?,
            usize_arg("count", count)?,
        );
        let (sum, ran) = self
            .inner
            .train_batches(&data.data, data.rows, bs, learning_rate, first, count)
            .map_err(js_err)?;
        let mut out = terms_array(&sum).to_vec();
        out.push(ran as f64);
        out.extend_from_slice(&terms_array(&self.inner.epoch_terms(data.rows)));
        Ok(out)
    }

    /// Loss terms on a dataset without training: `[reconstruction, 0, 0, kl, 0, total]`.
    pub fn evaluate(&mut self, data: &Dataset) -> Result<Vec<f64>, JsError> {
        self.check_dataset(data)?;
        let t = self.inner.evaluate(&data.data, data.rows).map_err(js_err)?;
        Ok(terms_array(&t).to_vec())
    }

    /// Start a new run of the divergence watch (called at the start of every `fit`).
    #[wasm_bindgen(js_name = resetDivergenceWatch)]
    pub fn reset_divergence_watch(&mut self) {
        self.inner.reset_divergence_watch();
    }

    #[wasm_bindgen(js_name = setKlScale)]
    pub fn set_kl_scale(&mut self, scale: f64) -> Result<(), JsError> {
        self.inner.set_kl_scale(scale).map_err(js_err)
    }

    /// Clip the global gradient norm to `maxNorm` (0 = off).
    #[wasm_bindgen(js_name = setClipNorm)]
    pub fn set_clip_norm(&mut self, max_norm: f64) -> Result<(), JsError> {
        self.inner.set_clip_norm(max_norm).map_err(js_err)
    }

    #[wasm_bindgen(getter, js_name = codeSize)]
    pub fn code_size(&self) -> usize {
        self.inner.code_size()
    }

    pub fn encode(&mut self, x: &[f32], rows: f64) -> Result<Vec<f32>, JsError> {
        let rows = usize_arg("rows", rows)?;
        check_matrix("input", x, rows, self.inner.inputs())?;
        self.inner.encode(x, rows).map_err(js_err)
    }

    /// Codes of a whole dataset as a new dataset in WASM memory (stacking: the next layer
    /// trains on these without a trip through JS).
    #[wasm_bindgen(js_name = encodeDataset)]
    pub fn encode_dataset(&mut self, data: &Dataset) -> Result<Dataset, JsError> {
        self.check_dataset(data)?;
        let codes = self.inner.encode(&data.data, data.rows).map_err(js_err)?;
        Ok(Dataset {
            data: codes,
            labels: data.labels.clone(),
            rows: data.rows,
            cols: self.inner.code_size(),
        })
    }

    pub fn decode(&mut self, codes: &[f32], rows: f64) -> Result<Vec<f32>, JsError> {
        let rows = usize_arg("rows", rows)?;
        check_matrix("codes", codes, rows, self.inner.code_size())?;
        self.inner.decode(codes, rows).map_err(js_err)
    }

    pub fn reconstruct(&mut self, x: &[f32], rows: f64) -> Result<Vec<f32>, JsError> {
        let rows = usize_arg("rows", rows)?;
        check_matrix("input", x, rows, self.inner.inputs())?;
        self.inner.reconstruct(x, rows).map_err(js_err)
    }

    /// Per-sample reconstruction loss (`rows` values) followed by its mean per feature.
    pub fn errors(&mut self, x: &[f32], rows: f64) -> Result<Vec<f64>, JsError> {
        let rows = usize_arg("rows", rows)?;
        check_matrix("input", x, rows, self.inner.inputs())?;
        let (mut per_sample, per_feature) = self.inner.errors(x, rows).map_err(js_err)?;
        per_sample.extend(per_feature);
        Ok(per_sample)
    }

    pub fn sample(&mut self, count: f64, seed: f64) -> Result<Vec<f32>, JsError> {
        let count = usize_arg("count", count)?;
        self.inner.sample(count, seed_arg(seed)?).map_err(js_err)
    }

    /// Importance-weighted lower bound on log p(x), nats per sample (k = 1: the ELBO).
    #[wasm_bindgen(js_name = iwaeBound)]
    pub fn iwae_bound(&mut self, data: &Dataset, k: f64, seed: f64) -> Result<f64, JsError> {
        self.check_dataset(data)?;
        let k = usize_arg("samples", k)?;
        self.inner
            .iwae_bound(&data.data, data.rows, k, seed_arg(seed)?)
            .map_err(js_err)
    }

    #[wasm_bindgen(js_name = jacobianNorm)]
    pub fn jacobian_norm(&mut self, data: &Dataset) -> Result<f64, JsError> {
        self.check_dataset(data)?;
        self.inner.jacobian_norm(&data.data, data.rows).map_err(js_err)
    }

    pub fn parameters(&mut self) -> Vec<f32> {
        self.inner.parameters()
    }

    #[wasm_bindgen(js_name = setParameters)]
    pub fn set_parameters(&mut self, p: &[f32]) -> Result<(), JsError> {
        self.inner.set_parameters(p).map_err(js_err)
    }

    /// Encoder layer `i` (or decoder layer `i` from the code side): W then b, concatenated.
    pub fn layer(&self, decoder: bool, i: f64) -> Result<Vec<f32>, JsError> {
        let i = usize_arg("layer", i)?;
        let (mut w, b) = if decoder {
            self.inner.decoder_layer(i)
        } else {
            self.inner.encoder_layer(i)
        }
        .map_err(js_err)?;
        w.extend(b);
        Ok(w)
    }

    #[wasm_bindgen(js_name = setLayer)]
    pub fn set_layer(&mut self, decoder: bool, i: f64, w: &[f32], b: &[f32]) -> Result<(), JsError> {
        let i = usize_arg("layer", i)?;
        self.inner.set_layer(decoder, i, w, b).map_err(js_err)
    }

    /// `[step_lo, step_hi, rng × 8 words]` (u32): what, with the parameters and the optimizer
    /// moments, resumes training exactly.
    #[wasm_bindgen(js_name = trainStateHeader)]
    pub fn train_state_header(&self) -> Vec<u32> {
        let s = self.inner.train_state();
        let mut out = vec![s.step as u32, (s.step >> 32) as u32];
        for w in s.rng {
            out.extend([w as u32, (w >> 32) as u32]);
        }
        out
    }

    #[wasm_bindgen(js_name = optimizerState)]
    pub fn optimizer_state(&self) -> Vec<f32> {
        self.inner.train_state().optimizer
    }

    #[wasm_bindgen(js_name = setTrainState)]
    pub fn set_train_state(&mut self, header: &[u32], optimizer: &[f32]) -> Result<(), JsError> {
        if header.len() != 10 {
            return Err(js_err(Error::shape(
                "train state header",
                "[10]",
                format!("[{}]", header.len()),
            )));
        }
        let word = |i: usize| header[i] as u64 | (header[i + 1] as u64) << 32;
        let state = TrainState {
            step: word(0),
            rng: [word(2), word(4), word(6), word(8)],
            optimizer: optimizer.to_vec(),
        };
        self.inner.set_train_state(&state).map_err(js_err)
    }
}

/// A softmax classifier, alone (softmax regression / linear probe) or on the encoder of a
/// trained model (supervised fine-tuning).
#[wasm_bindgen]
pub struct Classifier {
    inner: CoreClassifier<f32>,
}

#[wasm_bindgen]
impl Classifier {
    /// Softmax regression on raw inputs (the linear probe).
    #[wasm_bindgen(constructor)]
    pub fn new(inputs: f64, classes: f64, optimizer_json: &str, l2: f64, seed: f64) -> Result<Classifier, JsError> {
        Self::build(
            usize_arg("inputs", inputs)?,
            Vec::new(),
            classes,
            optimizer_json,
            l2,
            seed,
        )
    }

    /// A softmax head on a copy of `model`'s encoder layers (supervised fine-tuning).
    #[wasm_bindgen(js_name = fromModel)]
    pub fn from_model(
        model: &Model,
        classes: f64,
        optimizer_json: &str,
        l2: f64,
        seed: f64,
    ) -> Result<Classifier, JsError> {
        if model.inner.is_variational() {
            return Err(js_err(Error::invalid(
                "model",
                "a variational autoencoder",
                "a deterministic encoder",
            )));
        }
        Self::build(
            model.inner.inputs(),
            model.inner.enc.layers.clone(),
            classes,
            optimizer_json,
            l2,
            seed,
        )
    }

    fn build(
        inputs: usize,
        body: Vec<diabolo_core::Dense<f32>>,
        classes: f64,
        optimizer_json: &str,
        l2: f64,
        seed: f64,
    ) -> Result<Classifier, JsError> {
        let opt = optimizer_from_json(optimizer_json).map_err(js_err)?;
        let classes = usize_arg("classes", classes)?;
        Ok(Classifier {
            inner: CoreClassifier::new(inputs, body, classes, opt, l2, seed_arg(seed)?).map_err(js_err)?,
        })
    }

    /// `false` freezes the body: only the softmax head learns.
    #[wasm_bindgen(js_name = setTrainBody)]
    pub fn set_train_body(&mut self, train: bool) {
        self.inner.train_body = train;
    }

    fn labelled(data: &Dataset) -> Result<&[u32], JsError> {
        data.labels
            .as_deref()
            .ok_or_else(|| js_err(Error::invalid("labels", "missing", "one label per training row")))
    }

    #[wasm_bindgen(js_name = trainEpoch)]
    pub fn train_epoch(&mut self, data: &Dataset, batch_size: f64, learning_rate: f64) -> Result<f64, JsError> {
        let labels = Self::labelled(data)?;
        let bs = usize_arg("batchSize", batch_size)?;
        self.inner
            .train_epoch(&data.data, labels, data.rows, bs, learning_rate)
            .map_err(js_err)
    }

    /// `[meanCrossEntropy, accuracy]`.
    pub fn evaluate(&mut self, data: &Dataset) -> Result<Vec<f64>, JsError> {
        let labels = Self::labelled(data)?;
        let (loss, acc) = self.inner.evaluate(&data.data, labels, data.rows).map_err(js_err)?;
        Ok(vec![loss, acc])
    }

    #[wasm_bindgen(js_name = predictProba)]
    pub fn predict_proba(&mut self, x: &[f32], rows: f64) -> Result<Vec<f32>, JsError> {
        let rows = usize_arg("rows", rows)?;
        check_matrix("input", x, rows, self.inner.inputs())?;
        self.inner.predict_proba(x, rows).map_err(js_err)
    }

    pub fn parameters(&mut self) -> Vec<f32> {
        self.inner.parameters()
    }

    #[wasm_bindgen(js_name = setParameters)]
    pub fn set_parameters(&mut self, p: &[f32]) -> Result<(), JsError> {
        self.inner.set_parameters(p).map_err(js_err)
    }
}

// --- testing and benchmark hooks -----------------------------------------------------------
// Built only with the `testing` feature (scripts/build-wasm.mjs makes those binaries for the
// conformance tests and the benchmarks): the binaries users get do not carry them.

/// Benchmark hooks: the same workloads the native bench times (`diabolo_core::testing::bench`).
#[cfg(feature = "testing")]
#[wasm_bindgen]
pub struct GemmBench {
    inner: diabolo_core::testing::bench::GemmBench,
}

#[cfg(feature = "testing")]
#[wasm_bindgen]
impl GemmBench {
    /// `op` is `"forward"`, `"inputGrad"` or `"weightGrad"`.
    #[wasm_bindgen(constructor)]
    pub fn new(op: &str, batch: f64, inputs: f64, hidden: f64) -> Result<GemmBench, JsError> {
        let op = diabolo_core::testing::bench::GemmOp::from_name(op).ok_or_else(|| {
            js_err(Error::invalid(
                "op",
                format!("{op:?}"),
                "\"forward\", \"inputGrad\" or \"weightGrad\"",
            ))
        })?;
        Ok(GemmBench {
            inner: diabolo_core::testing::bench::GemmBench::new(
                op,
                usize_arg("batch", batch)?,
                usize_arg("inputs", inputs)?,
                usize_arg("hidden", hidden)?,
            ),
        })
    }

    pub fn flops(&self) -> f64 {
        self.inner.flops()
    }

    pub fn run(&mut self, reps: u32) -> f32 {
        self.inner.run(reps)
    }
}

/// Ceiling loop with separate multiply and add: `peakFlopsPerIter()` flops per iteration.
#[cfg(feature = "testing")]
#[wasm_bindgen(js_name = mulAddPeak)]
pub fn mul_add_peak(iters: u32, seed: f32) -> f32 {
    diabolo_core::testing::peak::mul_add_peak(iters, seed)
}

/// Ceiling loop with relaxed madd; `undefined` in binaries built without relaxed SIMD.
#[cfg(feature = "testing")]
#[wasm_bindgen(js_name = relaxedMaddPeak)]
pub fn relaxed_madd_peak(iters: u32, seed: f32) -> Option<f32> {
    diabolo_core::testing::peak::relaxed_madd_peak(iters, seed)
}

/// [`diabolo_core::kernels::gemm::self_test`] in this build: ≤ 1 means every GEMM edge case passed.
#[cfg(feature = "testing")]
#[wasm_bindgen(js_name = gemmSelfTest)]
pub fn gemm_self_test(seed: u32) -> f64 {
    diabolo_core::kernels::gemm::self_test(seed as u64)
}

#[cfg(feature = "testing")]
#[wasm_bindgen(js_name = peakFlopsPerIter)]
pub fn peak_flops_per_iter() -> f64 {
    diabolo_core::testing::peak::FLOPS_PER_ITER
}

/// Run a golden case through this binary's f32 core; returns `{output: number[]}` as JSON.
/// The conformance suite feeds every build the same cases.
#[cfg(feature = "testing")]
#[wasm_bindgen(js_name = conformanceCase)]
pub fn conformance_case(case_json: &str) -> Result<String, JsError> {
    let json: serde_json::Value =
        serde_json::from_str(case_json).map_err(|e| js_err(Error::invalid("case", e, "valid JSON")))?;
    let case = diabolo_core::testing::conformance::Case::from_json(&json).map_err(js_err)?;
    let out = diabolo_core::testing::conformance::evaluate::<f32>(&case).map_err(js_err)?;
    serde_json::to_string(&out).map_err(|e| JsError::new(&format!("E_INTERNAL: {e}")))
}
