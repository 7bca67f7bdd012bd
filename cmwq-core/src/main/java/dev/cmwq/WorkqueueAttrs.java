package dev.cmwq;

import java.util.Objects;
import java.util.Set;

/**
 * Attributes of an unbound workqueue's pool (kernel {@code struct workqueue_attrs}). Unbound
 * workqueues with equal attributes share one pool.
 *
 * @param nice the kernel nice level, -20 (highest priority) to 19; mapped onto Java thread
 *     priorities ({@code NORM_PRIORITY - nice / 4}, clamped to 1..10)
 * @param cpus the CPU slots the pool is for; empty means every slot. JVM threads are not pinned,
 *     so this names the pool (and shows in dumps) rather than restricting the OS scheduler.
 */
public record WorkqueueAttrs(int nice, Set<Integer> cpus) {

  /**
   * @throws IllegalArgumentException if {@code nice} is outside -20..19 or a CPU is negative
   */
  public WorkqueueAttrs {
    if (nice < -20 || nice > 19) {
      throw new IllegalArgumentException("nice must be in -20..19: " + nice);
    }
    Objects.requireNonNull(cpus, "cpus");
    for (Integer c : cpus) {
      if (c == null || c < 0) {
        throw new IllegalArgumentException("cpus must hold CPU slots >= 0: " + cpus);
      }
    }
    cpus = Set.copyOf(cpus);
  }

  /** Returns: nice 0, every CPU. */
  public static WorkqueueAttrs defaults() {
    return new WorkqueueAttrs(0, Set.of());
  }

  /** Returns: a copy with {@code nice}. */
  public WorkqueueAttrs withNice(int nice) {
    return new WorkqueueAttrs(nice, cpus);
  }

  /** Returns: a copy with {@code cpus}. */
  public WorkqueueAttrs withCpus(Set<Integer> cpus) {
    return new WorkqueueAttrs(nice, cpus);
  }
}
