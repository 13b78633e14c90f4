//! A fresh gradient on huge pages. The first write to each page of new memory traps into
//! the kernel, which finds a page and zeroes it: with 4 KiB pages that is 400,000 traps for
//! a `[8192, 50257]` gradient, with 2 MiB pages 800. Linux's transparent huge pages in
//! their common setting (`madvise`) are used only where a program asks for them, so a
//! fresh gradient asks (as PyTorch's allocator does with `THP_MEM_ALLOC_ENABLE=1`).

use ndarray::Array2;

/// 2 MiB: the size of a transparent huge page on x86-64 and most other CPUs.
const HUGE_PAGE: usize = 2 << 20;

/// A zeroed `[n, c]` array whose memory the kernel is asked to back with huge pages.
///
/// `vec![0.0; len]` asks the allocator for zeroed memory. Above glibc's mmap threshold
/// (dynamic, at most 32 MiB) `calloc` maps the request fresh from the kernel, which is zero
/// already, and touches none of it, so the advice comes before the first page is faulted
/// in; a smaller request may come from recycled memory, already touched, where the advice
/// changes little. Below two huge pages nothing is advised: there is little to gain.
pub(super) fn zeroed(n: usize, c: usize) -> Array2<f32> {
    let len = n * c;
    let data = vec![0.0_f32; len];
    if len * std::mem::size_of::<f32>() >= 2 * HUGE_PAGE {
        advise_huge_pages(&data);
    }
    Array2::from_shape_vec((n, c), data).expect("n·c elements make an [n, c] array")
}

/// `madvise(MADV_HUGEPAGE)` on the whole huge pages inside `data`. Advice only: where the
/// kernel cannot (THP off, or not Linux) the memory is ordinary memory.
fn advise_huge_pages(data: &[f32]) {
    #[cfg(target_os = "linux")]
    {
        let start = data.as_ptr() as usize;
        let end = start + std::mem::size_of_val(data);
        let first = start.next_multiple_of(HUGE_PAGE);
        let last = end / HUGE_PAGE * HUGE_PAGE;
        if last > first {
            // SAFETY: `[first, last)` is 2 MiB-aligned and lies inside `data`, which this
            // function borrows, and MADV_HUGEPAGE changes how its pages are backed, never
            // what they hold. The result is ignored on purpose: the advice is optional.
            unsafe {
                libc::madvise(
                    first as *mut libc::c_void,
                    last - first,
                    libc::MADV_HUGEPAGE,
                );
            }
        }
    }
    #[cfg(not(target_os = "linux"))]
    let _ = data;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_fresh_array_is_zero_whatever_its_size() {
        for (n, c) in [(0, 5), (3, 5), (1024, 1024)] {
            let a = zeroed(n, c);
            assert_eq!(a.dim(), (n, c));
            assert!(a.iter().all(|&x| x == 0.0));
        }
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn big_fresh_arrays_ask_for_huge_pages() {
        // A kernel without transparent huge pages refuses the advice: nothing to check.
        let thp = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/enabled");
        if thp.map_or(true, |t| t.contains("[never]")) {
            return;
        }
        // 16 MiB: the advice splits off a memory area of its own, marked `hg` in smaps.
        let a = zeroed(2048, 2048);
        let start = a.as_ptr() as usize;
        let smaps = std::fs::read_to_string("/proc/self/smaps").unwrap();
        let mut inside = false;
        let mut advised = false;
        for line in smaps.lines() {
            if let Some((range, _)) = line.split_once(' ')
                && let Some((lo, hi)) = range.split_once('-')
                && let (Ok(lo), Ok(hi)) =
                    (usize::from_str_radix(lo, 16), usize::from_str_radix(hi, 16))
            {
                inside = lo < start + (16 << 20) && hi > start;
            } else if inside && line.starts_with("VmFlags:") {
                advised |= line.split_whitespace().any(|f| f == "hg");
            }
        }
        assert!(advised, "no huge-page advice on the array's memory");
    }
}
