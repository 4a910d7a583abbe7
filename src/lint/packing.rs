//! Groups packed into batches: consecutive groups share a batch while their total size stays
//! within a limit, and a group larger than the limit is a batch of its own, whole.

/// `groups` in order, packed into batches of at most `limit` (by `size` of each member), a
/// larger group staying whole.
pub(super) fn pack<T>(
    groups: Vec<Vec<T>>,
    limit: usize,
    size: impl Fn(&T) -> usize,
) -> Vec<Vec<T>> {
    let mut out: Vec<Vec<T>> = Vec::new();
    let mut total = 0;
    for g in groups {
        let n: usize = g.iter().map(&size).sum();
        match out.last_mut() {
            Some(last) if total + n <= limit => {
                last.extend(g);
                total += n;
            }
            _ => {
                out.push(g);
                total = n;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::pack;

    #[test]
    fn groups_share_a_batch_within_the_limit_and_a_large_one_stays_whole() {
        let groups = vec![vec![1, 2], vec![3], vec![10], vec![1], vec![2]];
        assert_eq!(
            pack(groups, 5, |n| *n),
            vec![vec![1, 2], vec![3], vec![10], vec![1, 2]]
        );
    }
}
