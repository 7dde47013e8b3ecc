<#
.SYNOPSIS
  Flashes a board with nanoff: nanoCLR firmware, the TinyMLOps application, and the device configuration.

.DESCRIPTION
  Thin wrapper over the console's `flash` verb, so the logic is tested on Linux CI.
  The firmware application and its `flash` verb are the subject of the firmware issue (#8); until it lands
  this script stops with a clear message instead of pretending to flash.
#>
param(
    [Parameter(Mandatory = $true)][string]$Board,
    [Parameter(Mandatory = $true)][string]$Port,
    [Parameter(Mandatory = $true)][string]$DeviceId,
    [switch]$DryRun
)

$ErrorActionPreference = 'Stop'
$console = Join-Path $PSScriptRoot 'host/TinyMLOps.Console'
$arguments = @('run', '--project', $console, '--', 'flash', '--board', $Board, '--port', $Port, '--device-id', $DeviceId)
if ($DryRun) { $arguments += '--dry-run' }

& dotnet @arguments
exit $LASTEXITCODE
