package org.grouptherapy.fhir;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.Set;
import org.grouptherapy.kernel.ServerWrites;
import org.grouptherapy.system.AppProperties;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.springframework.stereotype.Component;

/**
 * Validates every resource written that claims one of the project's profiles in {@code
 * meta.profile}, and rejects it with 422 and the validator's OperationOutcome (element path and
 * rule per issue) when it does not conform. Resources that claim no project profile are stored as
 * HAPI stores them, so EHRs that send plain R4 are not slowed down.
 */
@Component
@Interceptor
public class ProfileValidationInterceptor implements FhirStorageInterceptor {

  private final Set<String> projectProfiles;
  private final FhirValidator validator;
  private final boolean enabled;

  ProfileValidationInterceptor(
      ConformancePackage conformancePackage,
      FhirContext fhirContext,
      IValidatorModule instanceValidator,
      AppProperties properties) {
    this.projectProfiles = conformancePackage.resourceProfileUrls();
    this.validator = fhirContext.newValidator();
    this.validator.registerValidatorModule(instanceValidator);
    this.enabled = properties.fhir().validation();
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
  public void validateCreated(IBaseResource resource, RequestDetails request) {
    if (!ServerWrites.builtByServer(request)) {
      validateIfProfiled(resource);
    }
  }

  @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
  public void validateUpdated(
      IBaseResource previous, IBaseResource updated, RequestDetails request) {
    if (!ServerWrites.builtByServer(request)) {
      validateIfProfiled(updated);
    }
  }

  private void validateIfProfiled(IBaseResource resource) {
    if (!enabled || !claimsProjectProfile(resource)) {
      return;
    }
    ValidationResult result = validator.validateWithResult(resource);
    boolean failed =
        result.getMessages().stream()
            .anyMatch(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal());
    if (failed) {
      OperationOutcome outcome = (OperationOutcome) result.toOperationOutcome();
      outcome
          .getIssue()
          .removeIf(i -> i.getSeverity() == OperationOutcome.IssueSeverity.INFORMATION);
      throw new UnprocessableEntityException(
          "The " + resource.fhirType() + " does not conform to its declared profile", outcome);
    }
  }

  private boolean claimsProjectProfile(IBaseResource resource) {
    for (IPrimitiveType<String> profile : resource.getMeta().getProfile()) {
      String url = profile.getValue();
      if (url != null && projectProfiles.contains(url.split("\\|")[0])) {
        return true;
      }
    }
    return false;
  }
}
