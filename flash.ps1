<#
.SYNOPSIS
  Flashes a board with nanoff: nanoCLR firmware, the TinyMLOps application, and the device configuration.

.DESCRIPTION
  Thin wrapper over the console's `flash` verb (host/TinyMLOps.Console, logic in host/TinyMLOps.Fleet/Flashing),
  so the same code is tested on Linux CI against a fake nanoff. It installs nanoff when it is missing
  (dotnet tool install -g nanoff), flashes nanoCLR for the board's nanoff target, builds and deploys the
  application image (the referenced .pe files, then the app's, each padded to 4 bytes) and deploys
  provisioned/DEVICE-ID/tinymlops.cfg (and ca.pem) to the device's drive. Provision the device first:
  `dotnet run --project host/TinyMLOps.Console -- provision --board B --device-id D ...`.

.PARAMETER Board
  Board profile id from boards/ (esp32-devkitc, esp32-wrover, esp32-s3, esp32-c3, stm32f769i-disco; stm32f429i-disco
  is not deployable and is refused, see boards/README.md).

.PARAMETER Port
  Serial port of the board (COM5, /dev/ttyUSB0). On STM32 boards: the ST-LINK virtual COM port (nanoCLR's
  port, used to deploy the configuration); the firmware itself goes through the ST-LINK (JTAG/SWD).

.PARAMETER DeviceId
  The provisioned device whose configuration is deployed.

.PARAMETER DryRun
  Print every command (copy-pasteable) without running anything.

.EXAMPLE
  ./flash.ps1 -Board esp32-devkitc -Port COM5 -DeviceId greenhouse-01 -DryRun
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
