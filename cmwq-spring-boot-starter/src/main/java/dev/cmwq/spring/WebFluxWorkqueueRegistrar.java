package dev.cmwq.spring;

import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.context.annotation.ImportBeanDefinitionRegistrar;
import org.springframework.core.env.Environment;
import org.springframework.core.type.AnnotationMetadata;

/**
 * Registers the workqueue of WebFlux blocking execution ({@code cmwq.webflux.workqueue}) as a
 * bound workqueue with the defaults, unless {@code cmwq.workqueues} configures one of that name.
 */
final class WebFluxWorkqueueRegistrar implements ImportBeanDefinitionRegistrar {

  private final Environment environment; // I
  private final ClassLoader classLoader; // I: the context's, where optional classes are looked for

  WebFluxWorkqueueRegistrar(Environment environment, ClassLoader classLoader) {
    this.environment = environment;
    this.classLoader = classLoader;
  }

  @Override
  public void registerBeanDefinitions(AnnotationMetadata metadata, BeanDefinitionRegistry registry) {
    String name = environment.getProperty("cmwq.webflux.workqueue", CmwqWebFluxAutoConfiguration.DEFAULT_WORKQUEUE);
    if (!WorkqueueBeans.specs(environment).containsKey(name)) {
      WorkqueueBeans.register(registry, name, new CmwqProperties.WorkqueueSpec(), classLoader);
    }
  }
}
