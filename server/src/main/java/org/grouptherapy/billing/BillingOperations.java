package org.grouptherapy.billing;

import static org.grouptherapy.kernel.access.OperationPermit.onInstances;
import static org.grouptherapy.kernel.access.OperationPermit.onType;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Set;
import org.grouptherapy.fhir.FhirOperationProvider;
import org.grouptherapy.kernel.InvalidParameter;
import org.grouptherapy.kernel.LocalDates;
import org.grouptherapy.kernel.OperationNames;
import org.grouptherapy.kernel.OperationParameters;
import org.grouptherapy.kernel.PracticeTime;
import org.grouptherapy.kernel.References;
import org.grouptherapy.kernel.access.Caller;
import org.grouptherapy.kernel.access.CallerGrants;
import org.grouptherapy.kernel.access.Callers;
import org.grouptherapy.kernel.access.OperationAccess;
import org.grouptherapy.kernel.access.OperationPermit;
import org.grouptherapy.kernel.access.Role;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.hl7.fhir.r4.model.Appointment;
import org.hl7.fhir.r4.model.Binary;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.springframework.stereotype.Component;

/**
 * Attendance and billing: {@code Appointment/[id]/$record-attendance}, {@code
 * $reconcile-attendance} (one session or a period), {@code $billing-summary}, {@code
 * Claim/$billing-package} (FHIR Bundle or X12 837P) and {@code Claim/$mark-received}.
 */
@Component
class BillingOperations implements FhirOperationProvider, OperationAccess {

  private static final org.slf4j.Logger log =
      org.slf4j.LoggerFactory.getLogger(BillingOperations.class);

  private final AttendanceService attendance;
  private final BillingService billing;
  private final BillingPackages packages;
  private final ClaimReceipts receipts;
  private final PracticeTime time;
  private final Callers callers;
  private final org.springframework.jdbc.core.JdbcTemplate jdbc;
  private final BillingRules rules;
  private final RemittanceImport remittances;
  private final AcknowledgementImport acknowledgements;
  private final org.grouptherapy.system.AppProperties properties;

  BillingOperations(
      AttendanceService attendance,
      BillingService billing,
      BillingPackages packages,
      ClaimReceipts receipts,
      PracticeTime time,
      Callers callers,
      org.springframework.jdbc.core.JdbcTemplate jdbc,
      BillingRules rules,
      org.grouptherapy.system.AppProperties properties,
      RemittanceImport remittances,
      AcknowledgementImport acknowledgements) {
    this.remittances = remittances;
    this.acknowledgements = acknowledgements;
    this.jdbc = jdbc;
    this.rules = rules;
    this.properties = properties;
    this.attendance = attendance;
    this.billing = billing;
    this.packages = packages;
    this.receipts = receipts;
    this.time = time;
    this.callers = callers;
  }

  @Override
  public List<OperationPermit> permits() {
    String reconciles =
        "Claim write and Encounter read anywhere (user/Claim.cu user/Encounter.r, or system/):"
            + " a VA, a biller, an administrator or a system client";
    String readsClaims =
        "Claim and Encounter read anywhere (user/Claim.r user/Encounter.r): a VA, a biller or"
            + " an administrator";
    return List.of(
        onInstances(
            OperationNames.RECORD_ATTENDANCE,
            Appointment.class,
            BillingOperations::recordsAttendance,
            "Encounter and Appointment write anywhere (user/Encounter.cu user/Appointment.cu):"
                + " a VA, a therapist (for the sessions they facilitate), an administrator or a"
                + " system client"),
        onInstances(
            OperationNames.RECONCILE_ATTENDANCE,
            Appointment.class,
            BillingOperations::reconciles,
            reconciles),
        onType(
            OperationNames.RECONCILE_ATTENDANCE,
            Appointment.class,
            BillingOperations::reconciles,
            reconciles),
        onType(
            OperationNames.BILLING_SUMMARY,
            Appointment.class,
            g -> g.readsAnywhere("Claim") && g.readsAnywhere("Encounter"),
            readsClaims),
        onType(
            OperationNames.BILLING_PACKAGE,
            Claim.class,
            g -> g.readsAnywhere("Claim"),
            "Claim read anywhere (user/Claim.r or system/Claim.r): a VA, a biller, an"
                + " administrator or a clearinghouse"),
        onType(
            OperationNames.IMPORT_REMITTANCE,
            Claim.class,
            g -> g.updatesAnywhere("Claim") && g.readsAnywhere("Claim"),
            "Claim read and update anywhere (system/Claim.ru): a clearinghouse, a VA, a biller or"
                + " an administrator"),
        onType(
            OperationNames.IMPORT_ACKNOWLEDGEMENT,
            Claim.class,
            g -> g.updatesAnywhere("Claim") && g.readsAnywhere("Claim"),
            "Claim read and update anywhere (system/Claim.ru): a clearinghouse, a VA, a biller or"
                + " an administrator"),
        onType(
            OperationNames.MARK_RECEIVED,
            Claim.class,
            g -> g.updatesAnywhere("Claim") && g.readsAnywhere("Claim"),
            "Claim read and update anywhere (system/Claim.ru): a clearinghouse, a VA, a biller or"
                + " an administrator"));
  }

  /**
   * The people who run sessions record attendance (not billers, who reconcile and package what was
   * recorded); a therapist only for the sessions they facilitate (checked per session).
   */
  private static boolean recordsAttendance(CallerGrants grants) {
    return grants.isSystemOr(Role.VA, Role.THERAPIST, Role.ADMIN)
        && grants.writesAnywhere("Encounter")
        && grants.writesAnywhere("Appointment");
  }

  /** Billing documentation is the work of VAs and billers (not of therapists). */
  private static boolean reconciles(CallerGrants grants) {
    return grants.isSystemOr(Role.VA, Role.BILLER, Role.ADMIN)
        && grants.writesAnywhere("Claim")
        && grants.readsAnywhere("Encounter");
  }

  /** A therapist (not also a VA or administrator) records only sessions they facilitate. */
  private String therapistOnly(RequestDetails request) {
    return callers
        .caller(request)
        .filter(c -> c.has(Role.THERAPIST) && !c.has(Role.VA) && !c.has(Role.ADMIN))
        .map(Caller::fhirUser)
        .map(user -> user == null ? "" : user)
        .orElse(null);
  }

  /** POST Appointment/[id]/$record-attendance */
  @Operation(name = OperationNames.RECORD_ATTENDANCE, type = Appointment.class)
  public Parameters recordAttendance(
      @IdParam IdType session, @ResourceParam Parameters parameters, RequestDetails request) {
    OperationParameters in =
        new OperationParameters(parameters).onlyThese(Set.of("attendance", "facilitator"));
    List<AttendanceService.Mark> marks = in.parts("attendance").stream().map(this::mark).toList();
    return attendance.record(
        References.unversioned(session.getValue()),
        marks,
        in.references("facilitator", "Practitioner"),
        therapistOnly(request),
        request);
  }

  private AttendanceService.Mark mark(OperationParameters part) {
    part.onlyThese(
        Set.of("patient", "status", "minutesLate", "minutesLeftEarly", "setting", "familyOnly"));
    String patient =
        part.reference("patient", "Patient")
            .orElseThrow(
                () ->
                    InvalidParameter.malformed(
                        "attendance.patient",
                        "Each attendance needs a patient (Patient/id reference)"));
    String status = part.string("status").orElse(null);
    if (status == null || !AttendanceService.STATUSES.contains(status)) {
      throw InvalidParameter.malformed(
          "attendance.status",
          "attendance.status of "
              + patient
              + " must be one of "
              + AttendanceService.STATUSES
              + (status == null ? "" : " (was '" + status + "')"));
    }
    String setting = part.string("setting").orElse(null);
    if (setting != null && !List.of("telehealth-home", "telehealth-other").contains(setting)) {
      throw InvalidParameter.malformed(
          "attendance.setting", "attendance.setting must be telehealth-home or telehealth-other");
    }
    return new AttendanceService.Mark(
        patient,
        status,
        minutes(part, "minutesLate"),
        minutes(part, "minutesLeftEarly"),
        setting,
        part.bool("familyOnly"));
  }

  private static int minutes(OperationParameters part, String name) {
    int minutes = part.integer(name).orElse(0);
    if (minutes < 0) {
      throw InvalidParameter.malformed(
          "attendance." + name,
          "attendance." + name + " must be a whole number of minutes, 0 or more");
    }
    return minutes;
  }

  /** POST Appointment/[id]/$reconcile-attendance */
  @Operation(name = OperationNames.RECONCILE_ATTENDANCE, type = Appointment.class)
  public Parameters reconcileSession(@IdParam IdType session) {
    return billing.reconcile(
        new ReconcileScope.OneSession(References.unversioned(session.getValue())));
  }

  /** POST Appointment/$reconcile-attendance */
  @Operation(name = OperationNames.RECONCILE_ATTENDANCE, type = Appointment.class)
  public Parameters reconcilePeriod(
      @OperationParam(name = "start", max = 1) DateType start,
      @OperationParam(name = "end", max = 1) DateType end,
      @OperationParam(name = "group", max = 1) Reference group,
      @OperationParam(name = "practitioner", max = 1) Reference practitioner,
      @OperationParam(name = "payer", max = 1) StringType payer) {
    return billing.reconcile(
        period(
            text(start),
            text(end),
            group == null ? null : group.getReference(),
            practitioner == null ? null : practitioner.getReference(),
            text(payer)));
  }

  /** GET Appointment/$billing-summary */
  @Operation(name = OperationNames.BILLING_SUMMARY, type = Appointment.class, idempotent = true)
  public Parameters billingSummary(
      @OperationParam(name = "start", max = 1) DateType start,
      @OperationParam(name = "end", max = 1) DateType end,
      @OperationParam(name = "group", max = 1) StringType group,
      @OperationParam(name = "practitioner", max = 1) StringType practitioner,
      @OperationParam(name = "payer", max = 1) StringType payer) {
    return billing.summary(
        period(text(start), text(end), text(group), text(practitioner), text(payer)));
  }

  /** GET Claim/$billing-package (format fhir: a Bundle; x12: an 837P in a Binary) */
  @Operation(name = OperationNames.BILLING_PACKAGE, type = Claim.class, idempotent = true)
  public IBaseResource billingPackage(
      @OperationParam(name = "start", max = 1) DateType start,
      @OperationParam(name = "end", max = 1) DateType end,
      @OperationParam(name = "payer", max = 1) StringType payer,
      @OperationParam(name = "group", max = 1) StringType group,
      @OperationParam(name = "format", max = 1) CodeType format) {
    String as = format == null || !format.hasValue() ? "fhir" : format.getValue();
    if (!List.of("fhir", "x12").contains(as)) {
      throw InvalidParameter.malformed("format", "format must be fhir (a Bundle) or x12 (837P)");
    }
    BillingPackages.Package built =
        packages.build(period(text(start), text(end), text(group), null, text(payer)));
    if ("fhir".equals(as)) {
      return built.bundle();
    }
    long started = System.nanoTime();
    List<String> problems = X12ClaimChecks.problems(built.claims(), built.resources());
    if (!problems.isEmpty()) {
      throw InvalidParameter.unprocessable(
          "format",
          "A clearinghouse would refuse this 837P: "
              + String.join("; ", problems)
              + ". Fix these and ask again (format=fhir gives the package as a Bundle meanwhile)");
    }
    Long control = jdbc.queryForObject("SELECT nextval('gt.x12_control_number')", Long.class);
    String x12 =
        X12ClaimWriter.write(
            built.claims(),
            built.resources(),
            new X12ClaimWriter.Envelope(
                properties.billing().clearinghouse(),
                control == null ? 0 : control,
                built.bundle().getIdentifier().getValue().substring(0, 9)),
            payerId -> rules.forPayer(payerId).claimFilingIndicator(),
            time.now().atZone(time.zone()));
    log.debug(
        "837P of {} claims checked and written in {} ms",
        built.claims().size(),
        (System.nanoTime() - started) / 1_000_000);
    // What a 999, which names only the functional group, is about.
    jdbc.update(
        "INSERT INTO gt.x12_submission (group_control, package, claims) VALUES (?, ?, ?)",
        ps -> {
          ps.setLong(1, control == null ? 0 : control);
          ps.setString(2, built.bundle().getIdentifier().getValue());
          ps.setArray(
              3,
              ps.getConnection()
                  .createArrayOf("text", built.claims().stream().map(References::of).toArray()));
        });
    Binary binary = new Binary();
    binary.setContentType("application/edi-x12");
    binary.setData(x12.getBytes(StandardCharsets.US_ASCII));
    return binary;
  }

  /** POST Claim/$mark-received */
  @Operation(name = OperationNames.MARK_RECEIVED, type = Claim.class)
  public Parameters markReceived(@ResourceParam Parameters parameters, RequestDetails request) {
    OperationParameters in =
        new OperationParameters(parameters).onlyThese(Set.of("claim", "package"));
    return receipts.markReceived(
        in.references("claim", "Claim"),
        in.string("package").orElse(null),
        callers.actor(request).orElse(null));
  }

  /** POST Claim/$import-remittance: an 835 becomes ClaimResponses. */
  @Operation(name = OperationNames.IMPORT_REMITTANCE, type = Claim.class)
  public Parameters importRemittance(@ResourceParam Parameters parameters) {
    return remittances.importFile(x12File(parameters, "remittance", "835"));
  }

  /** POST Claim/$import-acknowledgement: a 999 or 277CA accepts or rejects claims. */
  @Operation(name = OperationNames.IMPORT_ACKNOWLEDGEMENT, type = Claim.class)
  public Parameters importAcknowledgement(@ResourceParam Parameters parameters) {
    return acknowledgements.importFile(x12File(parameters, "acknowledgement", "999 or 277CA"));
  }

  /** An X12 file sent as valueString or as an Attachment's data. */
  private static String x12File(Parameters parameters, String name, String what) {
    OperationParameters in = new OperationParameters(parameters).onlyThese(Set.of(name));
    Parameters.ParametersParameterComponent file =
        parameters == null ? null : parameters.getParameter(name);
    if (file != null && file.getValue() instanceof org.hl7.fhir.r4.model.Attachment attachment) {
      if (!attachment.hasData()) {
        throw InvalidParameter.malformed(name, "The attachment carries no data");
      }
      return new String(attachment.getData(), StandardCharsets.US_ASCII);
    }
    return in.string(name)
        .orElseThrow(
            () ->
                InvalidParameter.malformed(
                    name,
                    name
                        + " (the "
                        + what
                        + " file, as valueString or valueAttachment) is required"));
  }

  /** A period of dates of service, read in the practice's zone (see PracticeTime). */
  private ReconcileScope.Period period(
      String start, String end, String group, String practitioner, String payer) {
    return new ReconcileScope.Period(
        start == null
            ? null
            : LocalDates.parse("start", start, time.zone(), LocalDates.Bound.START),
        end == null ? null : LocalDates.parse("end", end, time.zone(), LocalDates.Bound.END),
        group == null ? null : OperationParameters.reference("group", group, "Group"),
        practitioner == null
            ? null
            : OperationParameters.reference("practitioner", practitioner, "Practitioner"),
        payer);
  }

  /** A query parameter's text, or null when absent or blank. */
  private static String text(IPrimitiveType<?> value) {
    return value == null || value.getValueAsString() == null || value.getValueAsString().isBlank()
        ? null
        : value.getValueAsString().strip();
  }
}
