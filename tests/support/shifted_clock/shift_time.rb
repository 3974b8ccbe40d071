# Moves Ruby's Time.now (and so Time.parse's defaults and Jekyll's site.time) by
# TEST_CLOCK_SHIFT_SECONDS, as sitecustomize.py beside it does for Python; loaded through RUBYOPT.
module ShiftedClock
  SHIFT = Float(ENV.fetch("TEST_CLOCK_SHIFT_SECONDS", "0"))

  def now(*args, **options)
    super(*args, **options) + SHIFT
  end
end

Time.singleton_class.prepend(ShiftedClock) unless ShiftedClock::SHIFT.zero?
