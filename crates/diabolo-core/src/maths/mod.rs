//! Maths on the numbers: the f32 `exp`/`ln(1 + y)` polynomials and their SIMD lanes
//! (`vmath`), and the stable elementary functions built on them (`elementary`).

pub mod elementary;
pub mod vmath;
