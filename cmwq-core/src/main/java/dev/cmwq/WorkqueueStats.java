package dev.cmwq;

import java.time.Duration;

/**
 * A workqueue's counters, in the shape of the kernel's {@code wq_monitor.py}. A snapshot: each
 * counter is read consistently per pool, not across pools. Counters only grow, including across
 * {@link Workqueue#applyAttrs} (retired pools' counts are kept).
 *
 * @param started items that started running ({@code total})
 * @param completed items that finished running, normally or by throwing
 * @param inFlight {@code started - completed}: running now ({@code infl})
 * @param cpuTime CPU time of the workers while running this workqueue's items ({@code CPUtime});
 *     sampled by the runtime's sampler like the kernel's tick-based count, so items that run
 *     while it is parked (no backlog, nothing running at its last look) may go uncounted
 * @param cpuIntensive items that ran past the CPU-intensive threshold ({@code CPUitsv})
 * @param cmWakeups workers woken because a running one blocked ({@code CMW})
 * @param mayday times a pool asked this workqueue's rescuer for help
 * @param rescued items run by the rescuer
 * @param inactive items held back by {@code max_active} (or a freeze) right now
 * @param failed items whose function threw
 */
public record WorkqueueStats(
    long started,
    long completed,
    long inFlight,
    Duration cpuTime,
    long cpuIntensive,
    long cmWakeups,
    long mayday,
    long rescued,
    long inactive,
    long failed) {}
