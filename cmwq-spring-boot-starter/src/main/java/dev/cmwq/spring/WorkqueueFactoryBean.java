package dev.cmwq.spring;

import dev.cmwq.Workqueue;
import dev.cmwq.WorkqueueRuntime;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.FactoryBean;

/**
 * Makes one named workqueue bean (see {@link WorkqueueBeans}) on the runtime bean. Destroying the
 * bean starts {@link Workqueue#destroyAsync()} and does not wait: by then the
 * {@link WorkqueueDrainLifecycle} has waited (bounded) for what the workqueue held, and whatever
 * is still queued runs before the workers exit; nothing is cancelled.
 */
final class WorkqueueFactoryBean implements FactoryBean<Workqueue>, DisposableBean {

  private final String name; // I
  private final CmwqProperties.WorkqueueSpec spec; // I
  private final WorkqueueRuntime runtime; // I
  private @Nullable Workqueue workqueue; // guarded by this

  WorkqueueFactoryBean(String name, CmwqProperties.WorkqueueSpec spec, WorkqueueRuntime runtime) {
    this.name = name;
    this.spec = spec;
    this.runtime = runtime;
  }

  @Override
  public synchronized Workqueue getObject() {
    if (workqueue == null) {
      workqueue = spec.builder(name, runtime).build();
    }
    return workqueue;
  }

  @Override
  public Class<?> getObjectType() {
    return Workqueue.class;
  }

  @Override
  public synchronized void destroy() {
    if (workqueue != null && !runtime.isShutdown()) {
      workqueue.destroyAsync();
    }
  }
}
