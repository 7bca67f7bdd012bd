package dev.cmwq.spring;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The {@code cmwq.*} properties: the runtime the application's workqueues run on, the named
 * workqueues exposed as beans, Reactor, WebFlux and shutdown. Mutable JavaBean, bound once by
 * Spring Boot at start-up; not thread-safe while being bound.
 */
// intended: types of optional modules (WebFlux, actuator, health, JSpecify) and package-private
// helpers named in annotations appear in this class's signature
@SuppressWarnings("exports")
@ConfigurationProperties("cmwq")
public class CmwqProperties {

  /** Whether to auto-configure cmwq at all. */
  private boolean enabled = true;

  /** CPU slots, each with its own worker pools. Default: the available processors. */
  private @Nullable Integer cpus;

  /** The cap on pool workers, all pools together (rescuers excluded). */
  private int maxWorkers = 1024;

  /** How long a spare idle worker lives before it exits. */
  private Duration idleTimeout = Duration.ofMinutes(5);

  /** How long one item may run before it counts as CPU-intensive; 0 turns the detection off. */
  private Duration cpuIntensiveThreshold = Duration.ofMillis(10);

  /**
   * How long a pool's worklist may stand still before the watchdog reports a lockup (and the
   * health indicator reports DOWN); 0 turns the watchdog off.
   */
  private Duration watchdogThreshold = Duration.ofSeconds(30);

  /** The start of every worker thread's name. */
  private String threadNamePrefix = "kworker/";

  /**
   * Named workqueues (unbound, highpri, ordered, mem-reclaim, cpu-intensive, max-active), each
   * exposed as a Workqueue bean "<name>Workqueue" and a Reactor Scheduler bean "<name>Scheduler",
   * both qualified by the name.
   */
  private final Map<String, WorkqueueSpec> workqueues = new LinkedHashMap<>();

  private final Reactor reactor = new Reactor();

  private final Webflux webflux = new Webflux();

  private final Shutdown shutdown = new Shutdown();

  /** Returns: a runtime builder with these settings. */
  WorkqueueRuntime.Builder runtimeBuilder() {
    WorkqueueRuntime.Builder b =
        WorkqueueRuntime.builder()
            .maxWorkers(maxWorkers)
            .idleTimeout(idleTimeout)
            .cpuIntensiveThreshold(cpuIntensiveThreshold)
            .watchdogThreshold(watchdogThreshold)
            .threadNamePrefix(threadNamePrefix);
    if (cpus != null) {
      b.cpus(cpus);
    }
    return b;
  }

  public boolean isEnabled() {
    return enabled;
  }

  public void setEnabled(boolean enabled) {
    this.enabled = enabled;
  }

  public @Nullable Integer getCpus() {
    return cpus;
  }

  public void setCpus(@Nullable Integer cpus) {
    this.cpus = cpus;
  }

  public int getMaxWorkers() {
    return maxWorkers;
  }

  public void setMaxWorkers(int maxWorkers) {
    this.maxWorkers = maxWorkers;
  }

  public Duration getIdleTimeout() {
    return idleTimeout;
  }

  public void setIdleTimeout(Duration idleTimeout) {
    this.idleTimeout = idleTimeout;
  }

  public Duration getCpuIntensiveThreshold() {
    return cpuIntensiveThreshold;
  }

  public void setCpuIntensiveThreshold(Duration cpuIntensiveThreshold) {
    this.cpuIntensiveThreshold = cpuIntensiveThreshold;
  }

  public Duration getWatchdogThreshold() {
    return watchdogThreshold;
  }

  public void setWatchdogThreshold(Duration watchdogThreshold) {
    this.watchdogThreshold = watchdogThreshold;
  }

  public String getThreadNamePrefix() {
    return threadNamePrefix;
  }

  public void setThreadNamePrefix(String threadNamePrefix) {
    this.threadNamePrefix = threadNamePrefix;
  }

  public Map<String, WorkqueueSpec> getWorkqueues() {
    return workqueues;
  }

  public Reactor getReactor() {
    return reactor;
  }

  public Webflux getWebflux() {
    return webflux;
  }

  public Shutdown getShutdown() {
    return shutdown;
  }

  /** One named workqueue: the flags of {@link Workqueue.Builder}. */
  public static class WorkqueueSpec {

    /** Not concurrency-managed: every active item gets a worker (WQ_UNBOUND). */
    private boolean unbound;

    /** Served by the high-priority pools (WQ_HIGHPRI). */
    private boolean highpri;

    /** One item at a time, strictly in queueing order (implies unbound, max-active 1). */
    private boolean ordered;

    /** A rescuer thread guarantees forward progress when no worker can be had (WQ_MEM_RECLAIM). */
    private boolean memReclaim;

    /** Running items do not hold back others on the CPU slot (WQ_CPU_INTENSIVE; bound only). */
    private boolean cpuIntensive;

    /**
     * Items active at once: per CPU slot for bound workqueues, in total for unbound ones. 0 means
     * the default, 1024; values outside 1..2048 are clamped.
     */
    private int maxActive;

    /** Returns: a builder of this workqueue, named {@code name}, on {@code runtime}. */
    Workqueue.Builder builder(String name, WorkqueueRuntime runtime) {
      Workqueue.Builder b = Workqueue.builder(name).runtime(runtime).maxActive(maxActive);
      if (unbound) {
        b.unbound();
      }
      if (highpri) {
        b.highpri();
      }
      if (ordered) {
        b.ordered();
      }
      if (memReclaim) {
        b.memReclaim();
      }
      if (cpuIntensive) {
        b.cpuIntensive();
      }
      return b;
    }

    public boolean isUnbound() {
      return unbound;
    }

    public void setUnbound(boolean unbound) {
      this.unbound = unbound;
    }

    public boolean isHighpri() {
      return highpri;
    }

    public void setHighpri(boolean highpri) {
      this.highpri = highpri;
    }

    public boolean isOrdered() {
      return ordered;
    }

    public void setOrdered(boolean ordered) {
      this.ordered = ordered;
    }

    public boolean isMemReclaim() {
      return memReclaim;
    }

    public void setMemReclaim(boolean memReclaim) {
      this.memReclaim = memReclaim;
    }

    public boolean isCpuIntensive() {
      return cpuIntensive;
    }

    public void setCpuIntensive(boolean cpuIntensive) {
      this.cpuIntensive = cpuIntensive;
    }

    public int getMaxActive() {
      return maxActive;
    }

    public void setMaxActive(int maxActive) {
      this.maxActive = maxActive;
    }
  }

  /** Project Reactor. */
  public static class Reactor {

    /**
     * Whether to make cmwq Reactor's default (Schedulers.setFactory, process-wide):
     * parallel() on bound workqueues, boundedElastic() on unbound ones, single() on ordered ones,
     * all on this runtime. Reset when the application context closes.
     */
    private boolean installAsDefault;

    public boolean isInstallAsDefault() {
      return installAsDefault;
    }

    public void setInstallAsDefault(boolean installAsDefault) {
      this.installAsDefault = installAsDefault;
    }
  }

  /** Spring WebFlux. */
  public static class Webflux {

    /**
     * Whether blocking controller methods (those not returning a reactive type) run on a cmwq
     * workqueue (platform threads), taking precedence over Boot's virtual-thread executor. When
     * off, Spring Boot's default applies.
     */
    private boolean blockingExecution = true;

    /**
     * The workqueue blocking controller methods run on: one of cmwq.workqueues, or else a bound
     * workqueue of this name made for it.
     */
    private String workqueue = "webflux";

    public boolean isBlockingExecution() {
      return blockingExecution;
    }

    public void setBlockingExecution(boolean blockingExecution) {
      this.blockingExecution = blockingExecution;
    }

    public String getWorkqueue() {
      return workqueue;
    }

    public void setWorkqueue(String workqueue) {
      this.workqueue = workqueue;
    }
  }

  /** Application shutdown. */
  public static class Shutdown {

    /**
     * Whether to wait, when the application context stops, until the workqueue beans have run
     * what they hold (after the web server's graceful shutdown).
     */
    private boolean drain = true;

    /**
     * How long to wait for the workqueues to drain; keep it within
     * spring.lifecycle.timeout-per-shutdown-phase.
     */
    private Duration timeout = Duration.ofSeconds(30);

    public boolean isDrain() {
      return drain;
    }

    public void setDrain(boolean drain) {
      this.drain = drain;
    }

    public Duration getTimeout() {
      return timeout;
    }

    public void setTimeout(Duration timeout) {
      this.timeout = timeout;
    }
  }
}
