# gnuplot script for tests/bench/run: throughput and median latency of the API and of
# direct SQL against callers, one line pair per workload@pools.
#   gnuplot -e "data='chart.dat'; out='chart.png'" tests/bench/chart.gp
set terminal pngcairo size 1400,600 font ",10" noenhanced  # keys hold "@"
set output out
set multiplot layout 1,2 title "instance-service API vs direct SQL (same machine, same run)"
set logscale x 2
set xlabel "concurrent callers"
set key outside right top
set grid
stats data nooutput
blocks = STATS_blocks
set title "throughput (ops/s)"
set logscale y
plot for [i=0:blocks-1] data index i using 1:2 with linespoints title columnheader(1).' API', \
     for [i=0:blocks-1] data index i using 1:3 with linespoints dashtype 2 title columnheader(1).' SQL'
set title "median latency (ms)"
plot for [i=0:blocks-1] data index i using 1:4 with linespoints title columnheader(1).' API', \
     for [i=0:blocks-1] data index i using 1:5 with linespoints dashtype 2 title columnheader(1).' SQL'
unset multiplot
