//! Optimizers as pure per-parameter steps.

use crate::real::Real;

/// Plain stochastic gradient descent: `θ ← θ − lr·g`.
pub fn sgd_step<T: Real>(params: &mut [T], grads: &[T], lr: f64) {
    let lr = T::from_f64(lr);
    for (p, &g) in params.iter_mut().zip(grads) {
        *p -= lr * g;
    }
}

/// True when every value is finite (checked before an update is applied).
pub fn all_finite<T: Real>(xs: &[T]) -> bool {
    xs.iter().all(|v| v.is_finite())
}
