package org.grouptherapy.security;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.IPreResourceShowDetails;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.Optional;
import org.grouptherapy.fhir.FhirStorageInterceptor;
import org.grouptherapy.security.SmartScope.Permission;
import org.hl7.fhir.r4.model.Binary;
import org.springframework.stereotype.Component;

/**
 * Bulk export files belong to the client that asked for the export. Each export job stamps its
 * NDJSON Binaries with the client's id ({@code Binary.securityContext}); a client whose only way to
 * Binaries is its export permission (a clearinghouse) reads its own files and nothing else, and no
 * client but an administrator reads another client's export files, even with a Binary scope.
 */
@Component
@Interceptor
class ExportFileAccess implements FhirStorageInterceptor {

  static final String CLIENT_SYSTEM = "urn:grouptherapy:oauth-client";

  private final CallerResolver callers;

  ExportFileAccess(CallerResolver callers) {
    this.callers = callers;
  }

  @Hook(Pointcut.STORAGE_PRE_INITIATE_BULK_EXPORT)
  public void stampWithTheClient(BulkExportJobParameters parameters, RequestDetails request) {
    callers
        .current(request)
        .map(caller -> owner(caller.access()))
        .ifPresent(
            owner -> {
              parameters.setBinarySecurityContextIdentifierSystem(CLIENT_SYSTEM);
              parameters.setBinarySecurityContextIdentifierValue(owner);
            });
  }

  @Hook(Pointcut.STORAGE_PRESHOW_RESOURCES)
  public void onlyOwnExportFiles(IPreResourceShowDetails details, RequestDetails request) {
    // Only Binaries a client asked for over REST; the server's own reads pass.
    if (!(request instanceof ServletRequestDetails) || !containsBinary(details)) {
      return;
    }
    Optional<CallerResolver.Caller> found = callers.current(request);
    if (found.isEmpty() || found.get().access().isAdmin()) {
      return;
    }
    CallerResolver.Caller caller = found.get();
    boolean mayReadBinaries =
        caller.grants().stream()
            .anyMatch(g -> g.appliesTo("Binary") && g.permissions().contains(Permission.READ));
    for (int i = 0; i < details.size(); i++) {
      if (!(details.getResource(i) instanceof Binary binary)) {
        continue;
      }
      var stamp = binary.getSecurityContext().getIdentifier();
      boolean exportFile = CLIENT_SYSTEM.equals(stamp.getSystem());
      if (exportFile && owner(caller.access()).equals(stamp.getValue())) {
        continue;
      }
      if (exportFile || !mayReadBinaries) {
        throw new ForbiddenOperationException(
            exportFile
                ? "This file belongs to another client's bulk export"
                : "This client may read the files of its own bulk exports only");
      }
    }
  }

  private static boolean containsBinary(IPreResourceShowDetails details) {
    for (int i = 0; i < details.size(); i++) {
      if (details.getResource(i) instanceof Binary) {
        return true;
      }
    }
    return false;
  }

  private static String owner(SmartAccess access) {
    return access.clientId() != null ? access.clientId() : access.subject();
  }
}
