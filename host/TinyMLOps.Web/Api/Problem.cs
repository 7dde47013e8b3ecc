using Microsoft.AspNetCore.Http;

namespace TinyMLOps.Web.Api;

/// <summary>The problem documents (RFC 7807) the fleet routes answer with besides the 400 of bad input.</summary>
public static class Problem
{
    public static IResult NotFound(string detail) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status404NotFound, title: "Not found");

    /// <summary>The request is well formed but the fleet's state refuses it (a flagged device, a registered id, nothing to clear).</summary>
    public static IResult Conflict(string detail) =>
        Results.Problem(detail: detail, statusCode: StatusCodes.Status409Conflict, title: "Conflict");

    public static IResult NoDevice(string deviceId) => NotFound($"no device {deviceId}");
}
