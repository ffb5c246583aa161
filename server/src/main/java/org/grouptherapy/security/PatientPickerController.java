package org.grouptherapy.security;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.StringParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.grouptherapy.kernel.access.Role;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.HtmlUtils;

/**
 * The patient picker of the SMART standalone launch ({@link PatientLaunch}): the signed-in user
 * sees the patients they may open (a therapist their caseload; a VA, biller or administrator any
 * patient, found by name), picks one, and goes back to the authorization endpoint. Every listing
 * and pick is audited.
 */
@RestController
class PatientPickerController {

  private static final int SHOWN = 25;
  private static final int CASELOAD_READ_LIMIT = 500;
  private static final Set<Role> ANY_PATIENT = EnumSet.of(Role.VA, Role.BILLER, Role.ADMIN);

  private final DaoRegistry daos;
  private final TherapistCaseload caseload;
  private final ObjectProvider<UserDirectory> directory;
  private final AuditTrail audit;

  PatientPickerController(
      DaoRegistry daos,
      TherapistCaseload caseload,
      ObjectProvider<UserDirectory> directory,
      AuditTrail audit) {
    this.daos = daos;
    this.caseload = caseload;
    this.directory = directory;
    this.audit = audit;
  }

  @GetMapping(PatientLaunch.PICKER_PATH)
  ResponseEntity<String> page(
      @RequestParam String authorize,
      @RequestParam(required = false) String q,
      Authentication user,
      HttpServletRequest request) {
    Map<String, String> authorization = parse(authorize);
    if (authorization.get("client_id") == null) {
      return problem(HttpStatus.BAD_REQUEST, "This page is part of an app's sign-in; start again.");
    }
    SmartAccess who = access(user, authorization.get("client_id"));
    List<Patient> patients = choices(who, q);
    audit.patientPicker(
        request, who, null, 200, "SMART launch patient picker: " + patients.size() + " shown");
    CsrfToken csrf = (CsrfToken) request.getAttribute(CsrfToken.class.getName());
    StringBuilder html = new StringBuilder();
    html.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">")
        .append("<title>Choose a patient</title>")
        .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .append("<style>body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;")
        .append("padding:0 1rem}label{display:block;padding:.4rem 0}</style></head><body>")
        .append("<h1>Choose a patient</h1><p>")
        .append(escape(Optional.ofNullable(authorization.get("client_id")).orElse("The app")))
        .append(" asked to open one patient's record. It will see only what your role allows")
        .append(" for that patient.</p>")
        .append("<form method=\"get\" action=\"")
        .append(PatientLaunch.PICKER_PATH)
        .append("\"><input type=\"hidden\" name=\"authorize\" value=\"")
        .append(escape(authorize))
        .append("\"><label>Name <input name=\"q\" value=\"")
        .append(escape(q == null ? "" : q))
        .append("\"></label><button>Search</button></form>");
    if (patients.isEmpty()) {
      html.append("<p>No patients found that you may open. Close this window to cancel.</p>");
    } else {
      html.append("<form method=\"post\" action=\"")
          .append(PatientLaunch.PICKER_PATH)
          .append("\"><input type=\"hidden\" name=\"authorize\" value=\"")
          .append(escape(authorize))
          .append("\">");
      if (csrf != null) {
        html.append("<input type=\"hidden\" name=\"")
            .append(escape(csrf.getParameterName()))
            .append("\" value=\"")
            .append(escape(csrf.getToken()))
            .append("\">");
      }
      for (Patient patient : patients) {
        String id = patient.getIdElement().getIdPart();
        html.append("<label><input type=\"radio\" name=\"patient\" value=\"")
            .append(escape(id))
            .append("\" required> ")
            .append(escape(name(patient)))
            .append(
                patient.hasBirthDate()
                    ? " (born " + patient.getBirthDateElement().getValueAsString() + ")"
                    : "")
            .append("</label>");
      }
      html.append("<button>Open this patient</button></form>");
    }
    html.append("</body></html>");
    return ResponseEntity.ok().contentType(MediaType.TEXT_HTML).body(html.toString());
  }

  @PostMapping(PatientLaunch.PICKER_PATH)
  ResponseEntity<String> pick(
      @RequestParam String authorize,
      @RequestParam String patient,
      Authentication user,
      HttpServletRequest request) {
    Map<String, String> authorization = parse(authorize);
    String clientId = authorization.get("client_id");
    if (clientId == null || authorization.get("response_type") == null) {
      return problem(HttpStatus.BAD_REQUEST, "This page is part of an app's sign-in; start again.");
    }
    SmartAccess who = access(user, clientId);
    if (!mayOpen(who, patient)) {
      audit.patientPicker(
          request, who, "Patient/" + patient, 403, "SMART launch patient pick refused");
      return problem(
          HttpStatus.FORBIDDEN, "You may not open that patient's record. Choose another.");
    }
    PatientLaunch.remember(request.getSession(), clientId, authorization.get("state"), patient);
    audit.patientPicker(
        request, who, "Patient/" + patient, 200, "SMART launch patient picked for " + clientId);
    // Rebuilt from the parsed parameters: always this server's own endpoint, never more.
    StringBuilder back = new StringBuilder(request.getContextPath()).append("/oauth2/authorize?");
    authorization.remove(PatientLaunch.PARAMETER);
    authorization.put(PatientLaunch.PARAMETER, patient);
    authorization.forEach(
        (name, value) ->
            back.append(URLEncoder.encode(name, StandardCharsets.UTF_8))
                .append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8))
                .append('&'));
    back.setLength(back.length() - 1);
    return ResponseEntity.status(HttpStatus.FOUND).header("Location", back.toString()).build();
  }

  /** The patients this user may open, those whose name matches {@code q} first, at most 25. */
  List<Patient> choices(SmartAccess who, String q) {
    String query = q == null ? "" : q.trim().toLowerCase(Locale.ROOT);
    if (who.roles().stream().anyMatch(ANY_PATIENT::contains)) {
      SearchParameterMap search = SearchParameterMap.newSynchronous();
      if (!query.isEmpty()) {
        search.add(Patient.SP_NAME, new StringParam(query));
      }
      search.setCount(SHOWN);
      search.setSort(new SortSpec(Patient.SP_FAMILY).setChain(new SortSpec(Patient.SP_GIVEN)));
      List<Patient> found = new ArrayList<>();
      daos.getResourceDao(Patient.class)
          .searchForResources(search, new SystemRequestDetails())
          .forEach(r -> found.add((Patient) r));
      return found.size() > SHOWN ? found.subList(0, SHOWN) : found;
    }
    if (who.roles().contains(Role.THERAPIST) && who.fhirUser() != null) {
      List<Patient> own = new ArrayList<>();
      for (IIdType id : caseload.patientsOf(who.fhirUser())) {
        if (own.size() >= CASELOAD_READ_LIMIT) {
          break;
        }
        read(id.getIdPart()).ifPresent(own::add);
      }
      return own.stream()
          .filter(p -> query.isEmpty() || name(p).toLowerCase(Locale.ROOT).contains(query))
          .sorted(Comparator.comparing(PatientPickerController::name))
          .limit(SHOWN)
          .toList();
    }
    return List.of();
  }

  boolean mayOpen(SmartAccess who, String patientId) {
    if (read(patientId).isEmpty()) {
      return false;
    }
    if (who.roles().stream().anyMatch(ANY_PATIENT::contains)) {
      return true;
    }
    return who.roles().contains(Role.THERAPIST)
        && who.fhirUser() != null
        && caseload.patientsOf(who.fhirUser()).contains(new IdType("Patient", patientId));
  }

  private Optional<Patient> read(String id) {
    try {
      return Optional.of(
          daos.getResourceDao(Patient.class)
              .read(new IdType("Patient", id), new SystemRequestDetails()));
    } catch (ResourceNotFoundException | ResourceGoneException | IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private SmartAccess access(Authentication user, String clientId) {
    Set<Role> roles = EnumSet.noneOf(Role.class);
    for (GrantedAuthority authority : user.getAuthorities()) {
      String name = authority.getAuthority();
      if (name.startsWith("ROLE_")) {
        Role.fromClaim(name.substring("ROLE_".length())).ifPresent(roles::add);
      }
    }
    String fhirUser =
        directory.getIfAvailable(() -> UserDirectory.NONE).fhirUser(user.getName()).orElse(null);
    return new SmartAccess(user.getName(), clientId, fhirUser, null, roles, List.of());
  }

  private static String name(Patient patient) {
    if (!patient.hasName()) {
      return "(no name) " + patient.getIdElement().getIdPart();
    }
    var name = patient.getNameFirstRep();
    String given = String.join(" ", name.getGiven().stream().map(g -> g.getValue()).toList());
    return (name.getFamily() == null ? "" : name.getFamily())
        + (given.isEmpty() ? "" : ", " + given);
  }

  /** The parameters of the authorization request, decoded. */
  static Map<String, String> parse(String query) {
    Map<String, String> values = new LinkedHashMap<>();
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      if (eq > 0) {
        values.putIfAbsent(
            URLDecoder.decode(pair.substring(0, eq), StandardCharsets.UTF_8),
            URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8));
      }
    }
    return values;
  }

  private static String escape(String text) {
    return HtmlUtils.htmlEscape(text);
  }

  private static ResponseEntity<String> problem(HttpStatus status, String message) {
    return ResponseEntity.status(status).contentType(MediaType.TEXT_PLAIN).body(message + "\n");
  }
}
