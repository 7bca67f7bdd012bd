package dev.cmwq.spring;

import dev.cmwq.Workqueue;
import dev.cmwq.reactor.CmwqSchedulers;
import dev.cmwq.reactor.WorkqueueScheduler;
import java.util.Map;
import org.jspecify.annotations.Nullable;
import org.springframework.beans.factory.FactoryBean;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.RuntimeBeanReference;
import org.springframework.beans.factory.support.AbstractBeanDefinition;
import org.springframework.beans.factory.support.AutowireCandidateQualifier;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.boot.context.properties.bind.Bindable;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.core.env.Environment;
import org.springframework.util.ClassUtils;

/**
 * Registers the beans of a named workqueue: "{@code <name>Workqueue}" (a {@link Workqueue} on the
 * runtime bean) and, when Reactor is there, "{@code <name>Scheduler}" (a
 * {@link WorkqueueScheduler} over it, disposed with the context; it does not own the workqueue).
 * Both carry the qualifier {@code <name>}, so {@code @Qualifier("io") Workqueue} and
 * {@code @Qualifier("io") Scheduler} find them. A bean already defined under either name wins.
 */
final class WorkqueueBeans {

  private WorkqueueBeans() {}

  /** Returns: the bean name of the workqueue named {@code name}. */
  static String workqueueBeanName(String name) {
    return name + "Workqueue";
  }

  /** Returns: the bean name of the scheduler over the workqueue named {@code name}. */
  static String schedulerBeanName(String name) {
    return name + "Scheduler";
  }

  /** Returns: {@code cmwq.workqueues} bound from {@code environment}, in declaration order. */
  static Map<String, CmwqProperties.WorkqueueSpec> specs(Environment environment) {
    return Binder.get(environment)
        .bind("cmwq.workqueues", Bindable.mapOf(String.class, CmwqProperties.WorkqueueSpec.class))
        .orElse(Map.of());
  }

  /** Registers the beans of workqueue {@code name} unless beans of those names exist. */
  static void register(
      BeanDefinitionRegistry registry,
      String name,
      CmwqProperties.WorkqueueSpec spec,
      @Nullable ClassLoader classLoader) {
    String wqBean = workqueueBeanName(name);
    if (!registry.containsBeanDefinition(wqBean)) {
      RootBeanDefinition wq = new RootBeanDefinition(WorkqueueFactoryBean.class);
      wq.getConstructorArgumentValues().addIndexedArgumentValue(0, name);
      wq.getConstructorArgumentValues().addIndexedArgumentValue(1, spec);
      // the runtime (argument 2) is autowired by type: the dependency is recorded, so the runtime
      // bean outlives the workqueue bean at shutdown
      wq.setAutowireMode(AbstractBeanDefinition.AUTOWIRE_CONSTRUCTOR);
      wq.setAttribute(FactoryBean.OBJECT_TYPE_ATTRIBUTE, Workqueue.class);
      wq.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
      wq.setRole(BeanDefinition.ROLE_APPLICATION);
      wq.setDescription("cmwq workqueue '" + name + "' (cmwq.workqueues." + name + ")");
      registry.registerBeanDefinition(wqBean, wq);
    }
    String schedulerBean = schedulerBeanName(name);
    if (ClassUtils.isPresent("reactor.core.scheduler.Scheduler", classLoader)
        && !registry.containsBeanDefinition(schedulerBean)) {
      RootBeanDefinition s = new RootBeanDefinition(CmwqSchedulers.class);
      s.setFactoryMethodName("fromWorkqueue");
      s.getConstructorArgumentValues().addIndexedArgumentValue(0, new RuntimeBeanReference(wqBean));
      s.setTargetType(WorkqueueScheduler.class);
      s.setDestroyMethodName("dispose");
      s.addQualifier(new AutowireCandidateQualifier(Qualifier.class, name));
      s.setDescription("Reactor Scheduler over cmwq workqueue '" + name + "'");
      registry.registerBeanDefinition(schedulerBean, s);
    }
  }
}
