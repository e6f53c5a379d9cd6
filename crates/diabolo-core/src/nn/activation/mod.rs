//! Element-wise activations: one file per activation, one line in the registry below.
//!
//! Each file implements [`Function`]: the activation `s`, its first and second derivatives
//! (the contractive penalty's gradient needs `s″`), its config name, whether it takes the
//! parameter α (and its default), and whether its derivatives need the pre-activation `a`.
//! Most are written in terms of the output `h = s(a)`, so a layer keeps only its outputs for
//! the backward pass; an activation whose derivative is not a function of its output (SiLU,
//! GELU) says so, and the layer keeps its pre-activations too.
//!
//! The registry generates the [`Activation`] enum, [`Activation::from_name`],
//! [`Activation::name`], the list [`Activation::ALL`] (which the spec schema and the tests read)
//! and the dispatch. Adding an activation = one new file + one registry line.

use std::sync::OnceLock;

use crate::error::{Error, Result};
use crate::maths::elementary::Elementary;

// The stable scalar forms live with the other elementary functions (`maths/elementary.rs`).
pub use crate::maths::elementary::{sigmoid, softplus};

/// The α a config records for an activation that takes none (the core ignores it): the
/// leaky ReLU's default, as configs and model files have always recorded it.
pub const UNUSED_ALPHA: f64 = 0.01;

/// What one activation's file defines. `alpha` is the parameter of the activations that take
/// one (`ALPHA` is `Some`); the others ignore it.
pub trait Function {
    /// The name used in configs (`activation`, `outputActivation`).
    const NAME: &'static str;
    /// `Some(default)` when the activation takes the parameter α (configs' `activationAlpha`).
    const ALPHA: Option<f64> = None;
    /// Whether the derivatives are written in terms of the pre-activation `a` (the output `h`
    /// does not determine them); otherwise they read the output `h = s(a)`.
    const NEEDS_PRE_ACTIVATION: bool = false;
    /// Whether `init: 'auto'` gives this activation He's initialisation (variance 2/fan-in,
    /// for rectifier-like units) rather than Glorot's.
    const HE_INIT: bool = false;

    /// `s(a)`.
    fn apply<T: Elementary>(a: T, alpha: f64) -> T;

    /// `s` in place on a whole buffer (overridden where a vectorised form exists).
    fn apply_slice<T: Elementary>(xs: &mut [T], alpha: f64) {
        for x in xs {
            *x = Self::apply(*x, alpha);
        }
    }

    /// `s′` at `x`: the pre-activation `a` if [`Function::NEEDS_PRE_ACTIVATION`], else the
    /// output `h = s(a)`.
    fn derivative<T: Elementary>(x: T, alpha: f64) -> T;

    /// `s″` at `x` (the same `x` as [`Function::derivative`]).
    fn second_derivative<T: Elementary>(x: T, alpha: f64) -> T;

    /// `d[i] *= s′(x[i])` over a whole buffer: the backward pass's step through the
    /// activation, one loop per activation (the dispatch stays outside it).
    fn scale_by_derivative<T: Elementary>(x: &[T], d: &mut [T], alpha: f64) {
        for (d, &v) in d.iter_mut().zip(x) {
            *d *= Self::derivative(v, alpha);
        }
    }
}

/// What the registry knows of one activation (for the schema, validation and tests).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Info {
    pub name: &'static str,
    /// `Some(default)` when the activation takes α.
    pub alpha: Option<f64>,
    pub needs_pre_activation: bool,
    pub he_init: bool,
}

impl Info {
    const fn of<F: Function>() -> Info {
        Info {
            name: F::NAME,
            alpha: F::ALPHA,
            needs_pre_activation: F::NEEDS_PRE_ACTIVATION,
            he_init: F::HE_INIT,
        }
    }
}

/// `"one of a, b, c"` for error messages, made once.
fn one_of(cell: &'static OnceLock<String>, names: &[&str]) -> &'static str {
    cell.get_or_init(|| format!("one of {}", names.join(", ")))
}

macro_rules! registry {
    (@alpha) => { 0.0 };
    (@alpha $alpha:ident) => { $alpha };
    (@takes) => { false };
    (@takes $alpha:ident) => { true };
    ($($variant:ident $({ $alpha:ident })? => $module:ident :: $unit:ident),+ $(,)?) => {
        $(mod $module;)+

        /// An element-wise activation. The variants come from the registry in
        /// `nn/activation/mod.rs`; each one is defined in its own file there.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub enum Activation {
            $(
                #[doc = concat!("See `nn/activation/", stringify!($module), ".rs`.")]
                $variant $({ $alpha: f64 })?,
            )+
        }

        // A variant carries α exactly when its file says the activation takes one.
        $(const _: () = assert!(
            <$module::$unit as Function>::ALPHA.is_some() == registry!(@takes $($alpha)?),
            concat!("registry: `", stringify!($variant), "` must carry `{{ alpha }}` iff its file sets ALPHA"),
        );)+

        impl Activation {
            /// Every activation, in registry order.
            pub const ALL: &'static [Info] = &[$(Info::of::<$module::$unit>()),+];

            /// Parse a config name; `alpha` is kept by the activations that take it.
            pub fn from_name(name: &str, alpha: f64) -> Result<Self> {
                $(if name == <$module::$unit as Function>::NAME {
                    return Ok(Activation::$variant $({ $alpha: alpha })?);
                })+
                static EXPECTED: OnceLock<String> = OnceLock::new();
                let names: Vec<&str> = Self::ALL.iter().map(|i| i.name).collect();
                Err(Error::invalid("activation", format!("{name:?}"), one_of(&EXPECTED, &names)))
            }

            /// The config name.
            pub fn name(self) -> &'static str {
                match self {
                    $(Activation::$variant { .. } => <$module::$unit as Function>::NAME,)+
                }
            }

            /// α for the activations that take it, 0 for the others.
            pub fn alpha(self) -> f64 {
                match self {
                    $(Activation::$variant $({ $alpha })? => registry!(@alpha $($alpha)?),)+
                }
            }

            /// Whether the derivatives read the pre-activation `a` (else the output `h`).
            pub fn needs_pre_activation(self) -> bool {
                match self {
                    $(Activation::$variant { .. } => <$module::$unit as Function>::NEEDS_PRE_ACTIVATION,)+
                }
            }

            /// `s(a)`.
            #[inline]
            pub fn apply<T: Elementary>(self, a: T) -> T {
                match self {
                    $(Activation::$variant $({ $alpha })? =>
                        <$module::$unit as Function>::apply(a, registry!(@alpha $($alpha)?)),)+
                }
            }

            /// `s` in place on a whole buffer (logistic units four lanes at a time under SIMD).
            pub fn apply_slice<T: Elementary>(self, xs: &mut [T]) {
                match self {
                    $(Activation::$variant $({ $alpha })? =>
                        <$module::$unit as Function>::apply_slice(xs, registry!(@alpha $($alpha)?)),)+
                }
            }

            /// `s′` at `x`: the pre-activation if [`Activation::needs_pre_activation`], else
            /// the output `h = s(a)`.
            #[inline]
            pub fn derivative<T: Elementary>(self, x: T) -> T {
                match self {
                    $(Activation::$variant $({ $alpha })? =>
                        <$module::$unit as Function>::derivative(x, registry!(@alpha $($alpha)?)),)+
                }
            }

            /// `d[i] *= s′(x[i])` for every element (`x` as for [`Activation::derivative`]):
            /// the dispatch happens once per buffer, not per element.
            pub fn scale_by_derivative<T: Elementary>(self, x: &[T], d: &mut [T]) {
                match self {
                    $(Activation::$variant $({ $alpha })? =>
                        <$module::$unit as Function>::scale_by_derivative(x, d, registry!(@alpha $($alpha)?)),)+
                }
            }

            /// `s″` at `x` (as for [`Activation::derivative`]); the contractive penalty's
            /// gradient needs it.
            #[inline]
            pub fn second_derivative<T: Elementary>(self, x: T) -> T {
                match self {
                    $(Activation::$variant $({ $alpha })? =>
                        <$module::$unit as Function>::second_derivative(x, registry!(@alpha $($alpha)?)),)+
                }
            }
        }
    };
}

registry! {
    Linear => linear::Linear,
    Sigmoid => sigmoid::Sigmoid,
    Tanh => tanh::Tanh,
    Relu => relu::Relu,
    LeakyRelu { alpha } => leaky_relu::LeakyRelu,
    Elu { alpha } => elu::Elu,
    Softplus => softplus::Softplus,
    Silu => silu::Silu,
    Gelu => gelu::Gelu,
}

impl Activation {
    /// The buffer the derivatives read: the pre-activations `pre` if the activation needs
    /// them, else the outputs `h`.
    pub fn derivative_input<'a, T>(self, pre: &'a [T], h: &'a [T]) -> &'a [T] {
        if self.needs_pre_activation() {
            pre
        } else {
            h
        }
    }

    /// What the registry knows of this activation.
    pub fn info(self) -> &'static Info {
        let name = self.name();
        Self::ALL
            .iter()
            .find(|i| i.name == name)
            .expect("a registered activation")
    }

    /// Whether `init: 'auto'` gives this activation He's initialisation.
    pub fn he_init(self) -> bool {
        self.info().he_init
    }

    /// Each activation of the registry with its default α, and those that take α once more
    /// with α = 0.1 (for tests that should cover every activation).
    pub fn examples() -> Vec<Activation> {
        let mut out = Vec::new();
        for info in Self::ALL {
            let default = info.alpha.unwrap_or(0.0);
            out.push(Self::from_name(info.name, default).expect("a registered name"));
            if info.alpha.is_some() && default != 0.1 {
                out.push(Self::from_name(info.name, 0.1).expect("a registered name"));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// `s′(a)` through the value the activation's derivatives read.
    fn d1(act: Activation, a: f64) -> f64 {
        let x = if act.needs_pre_activation() { a } else { act.apply(a) };
        act.derivative(x)
    }

    fn d2(act: Activation, a: f64) -> f64 {
        let x = if act.needs_pre_activation() { a } else { act.apply(a) };
        act.second_derivative(x)
    }

    /// Central differences in f64 against the analytic derivative, away from kinks.
    #[test]
    fn derivatives_match_finite_differences() {
        let eps = 1e-6;
        for act in Activation::examples() {
            for &a in &[-4.0f64, -1.3, -0.2, 0.3, 0.9, 2.5, 7.0] {
                let fd = (act.apply(a + eps) - act.apply(a - eps)) / (2.0 * eps);
                let an = d1(act, a);
                assert!((fd - an).abs() < 1e-7, "{act:?} at {a}: fd {fd} vs {an}");
            }
        }
    }

    #[test]
    fn second_derivatives_match_finite_differences() {
        let eps = 1e-5;
        for act in Activation::examples() {
            for &a in &[-4.0f64, -1.3, -0.2, 0.3, 0.9, 2.5] {
                let fd = (d1(act, a + eps) - d1(act, a - eps)) / (2.0 * eps);
                let an = d2(act, a);
                assert!((fd - an).abs() < 1e-7, "{act:?} at {a}: fd {fd} vs {an}");
            }
        }
    }

    #[test]
    fn stable_at_extremes() {
        for act in Activation::examples() {
            for &a in &[-1e4f32, -100.0, 100.0, 1e4] {
                let h = act.apply(a);
                assert!(h.is_finite(), "{act:?}({a}) = {h}");
                let x = if act.needs_pre_activation() { a } else { h };
                assert!(act.derivative(x).is_finite(), "{act:?}′({a})");
                assert!(act.second_derivative(x).is_finite(), "{act:?}″({a})");
            }
        }
        assert_eq!(sigmoid(-1e4f32), 0.0);
        assert_eq!(sigmoid(1e4f32), 1.0);
        assert_eq!(softplus(1e4f32), 1e4);
    }

    /// The in-place form gives the bits of the element-wise one.
    #[test]
    fn slices_equal_elements_bit_for_bit() {
        let xs: Vec<f32> = (-300..300).map(|i| i as f32 * 0.037).collect();
        for act in Activation::examples() {
            let mut ys = xs.clone();
            act.apply_slice(&mut ys);
            for (&x, &y) in xs.iter().zip(&ys) {
                assert_eq!(act.apply(x).to_bits(), y.to_bits(), "{act:?}({x})");
            }
        }
    }

    #[test]
    fn names_round_trip_and_unknown_is_rejected() {
        for act in Activation::examples() {
            assert_eq!(Activation::from_name(act.name(), act.alpha()).unwrap(), act);
            assert_eq!(act.info().name, act.name());
        }
        let names: Vec<&str> = Activation::ALL.iter().map(|i| i.name).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "names are unique");
        let err = Activation::from_name("swish", 0.0).unwrap_err();
        assert_eq!(err.code(), "E_INVALID");
        let text = err.to_string();
        assert!(text.contains("\"swish\""), "{text}");
        assert!(text.contains(&format!("one of {}", names.join(", "))), "{text}");
    }

    /// The activations as they were before the registry: the same names, parameters and
    /// `auto` initialisation.
    #[test]
    fn registry_keeps_the_original_activations() {
        let want = [
            ("linear", None, false),
            ("sigmoid", None, false),
            ("tanh", None, false),
            ("relu", None, true),
            ("leakyRelu", Some(0.01), true),
            ("elu", Some(1.0), true),
            ("softplus", None, false),
        ];
        for (name, alpha, he) in want {
            let info = Activation::ALL.iter().find(|i| i.name == name).expect(name);
            assert_eq!(
                (info.alpha, info.he_init, info.needs_pre_activation),
                (alpha, he, false),
                "{name}"
            );
        }
    }
}
