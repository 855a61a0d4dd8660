impl Layer {
    pub fn new(w: Vec<Vec<f64>>, b: Vec<f64>) -> Self {
        Layer { w, b }
    }
    pub fn forward<S: ::nngrad_core::Scalar>(&self, x: &[S]) -> Vec<S>
    where
        f64: ::nngrad_core::ScalarLhs<S>,
        for<'__nngrad> &'__nngrad f64: ::nngrad_core::ScalarRefLhs<S>,
        for<'__nngrad> &'__nngrad S: ::nngrad_core::ScalarRef<S>,
    {
        #[cfg(target_arch = "x86_64")]
        {
            if <S as ::nngrad_core::Scalar>::__SIMD_CLONE
                && ::nngrad_core::__private::simd_avx2_fma()
            {
                #[allow(unsafe_code)]
                return unsafe { Self::__nngrad_avx2_forward::<S>(self, x) };
            }
        }
        #[allow(unused_imports)]
        use ::nngrad_core::__private::{
            AnyBin as _, ElemL0 as _, ElemL1 as _, MatBin as _, MatMul as _, ConvL0 as _,
            ConvL1 as _, ConvL2 as _, PromoteL0 as _, PromoteL1 as _, RecvL0 as _,
            RecvRef as _, RecvL1 as _, ToSL0 as _, ToSL1 as _, ValL0 as _, ValL1 as _,
        };
        #[allow(unused_imports)]
        use ::nngrad_core::Scalar as _;
        self.w
            .iter()
            .zip(&self.b)
            .map(|(r, b)| {
                r
                    .iter()
                    .zip(x)
                    .map(|(w, x)| {
                        (&::nngrad_core::__private::Pair::<S, _, _>::new(w, x))
                            .__mul(|__nngrad_a, __nngrad_b| __nngrad_a * __nngrad_b)
                    })
                    .sum::<S>() + b
            })
            .map(|z| z.tanh())
            .collect()
    }
    #[doc(hidden)]
    #[target_feature(enable = "avx2,fma")]
    #[cfg(target_arch = "x86_64")]
    fn __nngrad_avx2_forward<S: ::nngrad_core::Scalar>(&self, x: &[S]) -> Vec<S>
    where
        f64: ::nngrad_core::ScalarLhs<S>,
        for<'__nngrad> &'__nngrad f64: ::nngrad_core::ScalarRefLhs<S>,
        for<'__nngrad> &'__nngrad S: ::nngrad_core::ScalarRef<S>,
    {
        #[allow(unused_imports)]
        use ::nngrad_core::__private::{
            AnyBin as _, ElemL0 as _, ElemL1 as _, MatBin as _, MatMul as _, ConvL0 as _,
            ConvL1 as _, ConvL2 as _, PromoteL0 as _, PromoteL1 as _, RecvL0 as _,
            RecvRef as _, RecvL1 as _, ToSL0 as _, ToSL1 as _, ValL0 as _, ValL1 as _,
        };
        #[allow(unused_imports)]
        use ::nngrad_core::Scalar as _;
        self.w
            .iter()
            .zip(&self.b)
            .map(|(r, b)| {
                r
                    .iter()
                    .zip(x)
                    .map(|(w, x)| {
                        (&::nngrad_core::__private::Pair::<S, _, _>::new(w, x))
                            .__mul(|__nngrad_a, __nngrad_b| __nngrad_a * __nngrad_b)
                    })
                    .sum::<S>() + b
            })
            .map(|z| z.tanh())
            .collect()
    }
}
