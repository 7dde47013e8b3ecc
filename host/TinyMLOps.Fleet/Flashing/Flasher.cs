using TinyMLOps.Shared.Provisioning;

namespace TinyMLOps.Fleet.Flashing;

/// <summary>Where a flash reports its progress.</summary>
public interface IFlashLog
{
    /// <summary>A step starts: its number, what it does and the command (null for a step that is not a command).</summary>
    void Step(int number, string description, string? commandLine);

    /// <summary>A line the running tool printed.</summary>
    void Output(string line);
}

/// <summary>
/// Carries out a <see cref="FlashPlan"/>: checks the inputs before touching the board, installs nanoff when it is
/// missing, then runs each command in order, building the deployment image and the file-deployment JSON just
/// before the commands that read them. The first command that fails stops the flash (<see cref="FlashStepException"/>).
/// </summary>
public sealed class Flasher
{
    private readonly NanoffRunner _runner;
    private readonly string? _nanoffOverride;

    /// <param name="runner">Finds and runs the tools.</param>
    /// <param name="nanoff">nanoff to use instead of the one on PATH.</param>
    public Flasher(NanoffRunner runner, string? nanoff = null)
    {
        _runner = runner;
        _nanoffOverride = nanoff;
    }

    /// <summary>
    /// Plans the flash with nanoff as found: "nanoff" when it is on PATH, its path when it is only in the global tools
    /// folder or given, and an install step first when it is nowhere.
    /// </summary>
    public FlashPlan Plan(FlashRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (_nanoffOverride != null)
        {
            return FlashPlan.Create(request with { Nanoff = _nanoffOverride, InstallNanoff = false });
        }

        string? found = _runner.FindNanoff();
        string call = found == null || _runner.FindOnPath("nanoff") != null ? "nanoff" : found;
        return FlashPlan.Create(request with { Nanoff = call, InstallNanoff = found == null });
    }

    /// <summary>Why the flash cannot run yet: inputs that are missing or do not fit this board and device, one readable sentence each.</summary>
    public IReadOnlyList<string> Problems(FlashPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var missing = new List<string>();
        if (_nanoffOverride != null && _runner.FindOnPath(_nanoffOverride) == null)
        {
            missing.Add($"nanoff at {_nanoffOverride} (--nanoff)");
        }

        try
        {
            DeploymentImage.FindParts(plan.Request.AppDirectory, plan.Request.Board.AppProject);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            missing.Add(e.Message);
        }

        if (plan.Files.Count > 0)
        {
            string path = plan.Files[0].SourcePath;
            if (!File.Exists(path))
            {
                missing.Add($"no configuration at {path}: run `tinymlops provision --board {plan.Board.Id} --device-id {plan.Request.DeviceId} ...` first, or pass --config-dir");
            }
            else
            {
                missing.AddRange(ConfigurationProblems(plan, path));
            }
        }

        return missing;
    }

    /// <summary>
    /// What is wrong with the configuration for this flash: it does not parse, it is another device's or another
    /// board's (its pins would be wrong), or it wants TLS and there is no ca.pem to deploy with it.
    /// </summary>
    private static IEnumerable<string> ConfigurationProblems(FlashPlan plan, string path)
    {
        ConfigParseResult parsed = ConfigFile.Parse(File.ReadAllBytes(path));
        if (!parsed.IsValid)
        {
            yield return $"{path} is not a usable configuration: {string.Join("; ", parsed.Problems)}";
            yield break;
        }

        ProvisionedConfig config = parsed.Config;
        if (config.DeviceId != plan.Request.DeviceId)
        {
            yield return $"{path} is device {config.DeviceId}'s configuration, not {plan.Request.DeviceId}'s";
        }

        if (!string.Equals(config.Board, plan.Board.Id, StringComparison.OrdinalIgnoreCase))
        {
            yield return $"{path} was provisioned for board {config.Board}, not {plan.Board.Id}: provision the device for this board (--force)";
        }

        if (config.BrokerTls && !plan.Files.Any(f => f.DestinationPath.EndsWith("\\" + ProvisionedConfig.CaFileName, StringComparison.Ordinal)))
        {
            yield return $"{path} connects to the broker over TLS but there is no {ProvisionedConfig.CaFileName} beside it to deploy";
        }
    }

    /// <summary>Runs the plan; throws <see cref="FlashStepException"/> at the first command that fails.</summary>
    /// <exception cref="InvalidOperationException">An input is missing or does not fit (<see cref="Problems"/>); nothing has run.</exception>
    public async Task RunAsync(FlashPlan plan, IFlashLog log, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(plan);
        ArgumentNullException.ThrowIfNull(log);
        IReadOnlyList<string> missing = Problems(plan);
        if (missing.Count > 0)
        {
            throw new InvalidOperationException("cannot flash, nothing was run: " + string.Join("; ", missing));
        }

        string? nanoff = _nanoffOverride != null ? _runner.FindOnPath(_nanoffOverride) : _runner.FindNanoff();
        int n = 0;
        foreach (FlashStep step in plan.Steps)
        {
            string executable;
            switch (step.Kind)
            {
                case FlashStepKind.InstallNanoff:
                    executable = _runner.FindOnPath("dotnet")
                        ?? throw new FileNotFoundException("nanoff is not installed and there is no dotnet on PATH to install it with: install the .NET SDK, or nanoff (dotnet tool install -g nanoff), or pass --nanoff");
                    break;
                case FlashStepKind.DeployApplication:
                    log.Step(++n, $"build the deployment image {plan.ImagePath}", null);
                    foreach (DeploymentPart part in DeploymentImage.Write(plan.Request.AppDirectory, plan.ImagePath, plan.Request.Board.AppProject))
                    {
                        log.Output($"{part.Offset,8:N0}  {part.Name}.pe  {part.Length:N0} B{(part.Padding > 0 ? $" + {part.Padding} B padding" : "")}");
                    }

                    executable = nanoff!;
                    break;
                case FlashStepKind.DeployConfiguration:
                    log.Step(++n, $"write {plan.FileDeploymentPath}", null);
                    await File.WriteAllTextAsync(plan.FileDeploymentPath, plan.FileDeploymentJson(), cancellationToken).ConfigureAwait(false);
                    executable = nanoff!;
                    break;
                default:
                    executable = nanoff!;
                    break;
            }

            log.Step(++n, step.Description, step.CommandLine);
            ProcessResult result = await _runner.RunAsync(executable, step.Arguments, log.Output, cancellationToken).ConfigureAwait(false);
            if (!result.Succeeded)
            {
                throw new FlashStepException(step, result);
            }

            if (step.Kind == FlashStepKind.InstallNanoff)
            {
                nanoff = _runner.FindNanoff()
                    ?? throw new FileNotFoundException($"`{step.CommandLine}` succeeded but nanoff is neither on PATH nor in {_runner.GlobalToolsDirectory}; add that folder to PATH or pass --nanoff");
            }
        }
    }
}
