package dev.cmwq.spring;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/** Registers a {@code Workqueue} and a {@code Scheduler} bean per {@code cmwq.workqueues.<name>}. */
final class WorkqueueBeanRegistrar implements ImportBeanDefinitionRegistrar {

  private final Environment environment; // I
  private final ClassLoader classLoader; // I: the context's, where optional classes are looked for

  WorkqueueBeanRegistrar(Environment environment, ClassLoader classLoader) {
    this.environment = environment;
    this.classLoader = classLoader;
  }

  @Override
  public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
    WorkqueueBeans.specs(environment)
        .forEach((name, spec) -> WorkqueueBeans.register(registry, name, spec, classLoader));
  }
}
