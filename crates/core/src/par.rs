//! Data parallelism: rayon's parallel iterators with the `parallel` cargo feature (on by
//! default), plain sequential iterators without it. The calling code is the same either way
//! (`par_iter`, `par_iter_mut`, `into_par_iter`, then `map`, `zip`, `collect`, `unzip`), and so
//! are the results: every parallel step here collects in input order, and each run draws from
//! its own seeded streams, never from the thread it runs on.

#[cfg(feature = "parallel")]
pub(crate) use rayon::prelude::*;

#[cfg(not(feature = "parallel"))]
pub(crate) use sequential::*;

/// Stand-ins for rayon's entry points that return the ordinary iterators.
#[cfg(not(feature = "parallel"))]
mod sequential {
    /// `par_iter()`: `iter()`.
    pub(crate) trait IntoParallelRefIterator<'a> {
        /// The iterator over shared references.
        type Iter: Iterator;
        /// The items one after another, on the calling thread.
        fn par_iter(&'a self) -> Self::Iter;
    }

    impl<'a, T: 'a + ?Sized> IntoParallelRefIterator<'a> for T
    where
        &'a T: IntoIterator,
    {
        type Iter = <&'a T as IntoIterator>::IntoIter;
        fn par_iter(&'a self) -> Self::Iter {
            self.into_iter()
        }
    }

    /// `par_iter_mut()`: `iter_mut()`.
    pub(crate) trait IntoParallelRefMutIterator<'a> {
        /// The iterator over mutable references.
        type Iter: Iterator;
        /// The items one after another, on the calling thread.
        fn par_iter_mut(&'a mut self) -> Self::Iter;
    }

    impl<'a, T: 'a + ?Sized> IntoParallelRefMutIterator<'a> for T
    where
        &'a mut T: IntoIterator,
    {
        type Iter = <&'a mut T as IntoIterator>::IntoIter;
        fn par_iter_mut(&'a mut self) -> Self::Iter {
            self.into_iter()
        }
    }

    /// `into_par_iter()`: `into_iter()`.
    pub(crate) trait IntoParallelIterator: IntoIterator + Sized {
        /// The items one after another, on the calling thread.
        fn into_par_iter(self) -> Self::IntoIter {
            self.into_iter()
        }
    }

    impl<T: IntoIterator> IntoParallelIterator for T {}
}
