# toy2d's page in a real browser (ctest -P script, test "toy2d_browser"): runs `toy2d --quick`,
# opens the page in headless Chromium, and checks the DOM after the page's script ran (the number
# of points drawn and the loss shown for the default run at its last step are what toy2d printed)
# and that the screenshot is a picture (enough distinct colours), not a blank page.
# -DTOY2D=program -DCHROMIUM=program -DPYTHON=python3 -DWORK=scratch directory.
if(NOT CHROMIUM OR NOT EXISTS "${CHROMIUM}")
  message("toy2d_browser: SKIPPED: chromium is not installed (scripts/setup.sh installs it)")
  return()
endif()
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})

execute_process(COMMAND ${TOY2D} --quick --out ${WORK}/out RESULT_VARIABLE status
  OUTPUT_VARIABLE printed ERROR_VARIABLE printed TIMEOUT 120)
message("${printed}")
if(NOT status EQUAL 0)
  message(FATAL_ERROR "toy2d_browser: toy2d --quick exited ${status}")
endif()
if(NOT printed MATCHES "default run \\(([^)]*)\\): ([0-9]+) points, final loss ([0-9.]+)")
  message(FATAL_ERROR "toy2d_browser: toy2d printed no 'default run (...): N points, final loss'")
endif()
set(setting ${CMAKE_MATCH_1})
set(points ${CMAKE_MATCH_2})
set(loss ${CMAKE_MATCH_3})
set(page ${WORK}/out/toy2d.html)

# Self-contained: no attribute loads anything (the SVG namespace is the only URL in the page).
file(READ ${page} html)
if(html MATCHES "(src|href) *=")
  message(FATAL_ERROR "toy2d_browser: the page loads something: '${CMAKE_MATCH_0}'")
endif()

# Chromium as root needs --no-sandbox; a private profile keeps it from the user's.
set(browser ${CHROMIUM} --headless --no-sandbox --disable-gpu --disable-extensions
  --no-first-run --user-data-dir=${WORK}/profile)

# The DOM of the page at `url` after its script ran, saved as ${WORK}/<name>.html; sets dom,
# shown (the loss displayed) and step (the step readout) in the caller.
function(dump_dom url name)
  execute_process(COMMAND ${browser} --dump-dom ${url} RESULT_VARIABLE status
    OUTPUT_VARIABLE dom ERROR_QUIET TIMEOUT 90)
  file(WRITE ${WORK}/${name}.html "${dom}")
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "toy2d_browser: chromium --dump-dom ${url} exited '${status}'")
  endif()
  if(NOT dom MATCHES "<span id=\"loss-value\">([^<]*)</span>")
    message(FATAL_ERROR "toy2d_browser: no loss shown (no span loss-value in ${WORK}/${name}.html)")
  endif()
  set(shown ${CMAKE_MATCH_1} PARENT_SCOPE)
  string(REGEX MATCH "id=\"step-value\">([^<]*)<" ignored "${dom}")
  set(step ${CMAKE_MATCH_1} PARENT_SCOPE)
  set(dom "${dom}" PARENT_SCOPE)
endfunction()

dump_dom(file://${page} dom)
string(REGEX MATCHALL "<circle class=\"point\"" drawn "${dom}")
list(LENGTH drawn drawn)
string(REGEX MATCHALL "<rect class=\"region\"" regions "${dom}")
list(LENGTH regions regions)
message("toy2d_browser: default run ${setting}: ${drawn} points drawn (toy2d: ${points}), "
        "${regions} region rectangles, loss shown ${shown} at '${step}' (toy2d: ${loss})")
if(NOT drawn EQUAL points)
  message(FATAL_ERROR "toy2d_browser: ${drawn} points drawn, the data set has ${points}")
endif()
if(regions EQUAL 0)
  message(FATAL_ERROR "toy2d_browser: no decision regions drawn")
endif()
if(NOT shown STREQUAL loss)
  message(FATAL_ERROR "toy2d_browser: the page shows loss '${shown}', toy2d printed ${loss}")
endif()
if(NOT step MATCHES "^step ([0-9]+) / ([0-9]+)$" OR NOT CMAKE_MATCH_1 EQUAL CMAKE_MATCH_2)
  message(FATAL_ERROR "toy2d_browser: the page opens at '${step}', not at the last step")
endif()

# A link to another run's first frame (the two-layer net, whose weights are not listed): the
# page switches to it and shows the loss toy2d printed for that run's step 0.
if(NOT printed MATCHES "spiral +two-layer +softmax +loss +([0-9.]+) ->")
  message(FATAL_ERROR "toy2d_browser: toy2d printed no line for spiral two-layer softmax")
endif()
set(initial ${CMAKE_MATCH_1})
dump_dom("file://${page}#model=two-layer&frame=0" dom_two_layer)
message("toy2d_browser: #model=two-layer&frame=0: loss shown '${shown}' at '${step}' "
        "(toy2d: ${initial} at step 0)")
if(NOT shown STREQUAL initial OR NOT step MATCHES "^step 0 / "
   OR dom MATCHES "class=\"zero-line\"" OR NOT dom MATCHES "<table id=\"params\"></table>")
  message(FATAL_ERROR "toy2d_browser: the link to the two-layer net's step 0 shows the wrong run "
    "(${WORK}/dom_two_layer.html)")
endif()

set(shot ${WORK}/toy2d.png)
execute_process(COMMAND ${browser} --screenshot=${shot} --window-size=1100,800 --hide-scrollbars
  file://${page} RESULT_VARIABLE status OUTPUT_QUIET ERROR_QUIET TIMEOUT 90)
if(NOT status EQUAL 0 OR NOT EXISTS ${shot})
  message(FATAL_ERROR "toy2d_browser: chromium --screenshot exited '${status}', no ${shot}")
endif()
file(SIZE ${shot} bytes)
message("toy2d_browser: screenshot ${shot} (${bytes} bytes)")
if(PYTHON AND EXISTS "${PYTHON}")
  get_filename_component(here ${CMAKE_CURRENT_LIST_FILE} DIRECTORY)
  execute_process(COMMAND ${PYTHON} ${here}/toy2d_screenshot.py ${shot} 16 RESULT_VARIABLE status
    TIMEOUT 120)
  if(NOT status EQUAL 0)
    message(FATAL_ERROR "toy2d_browser: the screenshot looks blank")
  endif()
elseif(bytes LESS 20000)  # without python3: a blank 1100 x 800 page compresses to a few KB
  message(FATAL_ERROR "toy2d_browser: the screenshot is ${bytes} bytes: blank?")
endif()
