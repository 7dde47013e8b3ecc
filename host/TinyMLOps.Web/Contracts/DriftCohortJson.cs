namespace TinyMLOps.Web.Contracts;

/// <summary>One cohort's drift: the report (one cohort, its devices' alerts) and the evidence `drift report --cohort` charts (null when not scored).</summary>
public sealed record DriftCohortJson(DriftJson.Report Report, DriftEvidenceJson? Evidence);
