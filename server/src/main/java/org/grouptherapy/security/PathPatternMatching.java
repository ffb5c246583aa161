package org.grouptherapy.security;

import java.util.List;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.config.ConstructorArgumentValues.ValueHolder;
import org.springframework.beans.factory.support.BeanDefinitionRegistry;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.security.web.context.AbstractSecurityWebApplicationInitializer;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;

/**
 * Every security matcher is a path pattern, so nothing asks Spring MVC which handler a request goes
 * to, and no request pays for asking.
 *
 * <p>With Spring MVC present, Spring Security matches string patterns through MVC's {@code
 * HandlerMappingIntrospector}, and to make that affordable it wraps its whole filter chain in a
 * filter that looks up the MVC handler of every request up front and caches it. For a FHIR request
 * (served by HAPI's servlet, not by MVC) that lookup walks every handler mapping for nothing: about
 * 4% of the CPU of a token-checked read in a JFR profile. Publishing a {@link
 * PathPatternRequestMatcher.Builder} makes Spring Security build path-pattern matchers for strings
 * (as the FHIR chain's own matchers already are), and the wrapper is then dropped: nothing is left
 * that would read its cache. CORS uses the configured {@code corsConfigurationSource}, not MVC.
 */
@Configuration(proxyBeanMethods = false)
class PathPatternMatching {

  private static final String FILTER_CHAIN =
      AbstractSecurityWebApplicationInitializer.DEFAULT_FILTER_NAME;

  private static final String MVC_CACHING_WRAPPER =
      "org.springframework.security.config.annotation.web.configuration"
          + ".WebMvcSecurityConfiguration$CompositeFilterChainProxy";

  @Bean
  PathPatternRequestMatcher.Builder pathPatternRequestMatcherBuilder() {
    return PathPatternRequestMatcher.withDefaults();
  }

  /** Runs after every registry post-processor, Spring Security's wrapping one included. */
  @Bean
  static BeanFactoryPostProcessor unwrapMvcCachingFilterChain() {
    return beanFactory -> unwrap(beanFactory);
  }

  static void unwrap(ConfigurableListableBeanFactory beanFactory) {
    if (!(beanFactory instanceof BeanDefinitionRegistry registry)
        || !registry.containsBeanDefinition(FILTER_CHAIN)) {
      return;
    }
    BeanDefinition chain = registry.getBeanDefinition(FILTER_CHAIN);
    if (!MVC_CACHING_WRAPPER.equals(chain.getBeanClassName())) {
      return;
    }
    ValueHolder filters =
        chain.getConstructorArgumentValues().getIndexedArgumentValue(0, List.class);
    if (filters != null
        && filters.getValue() instanceof List<?> list
        && list.size() == 2
        && list.get(1) instanceof BeanDefinition original) {
      registry.removeBeanDefinition(FILTER_CHAIN);
      registry.registerBeanDefinition(FILTER_CHAIN, original);
    }
  }
}
